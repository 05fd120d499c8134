"""`GET /threads/{thread_id}/stream`: the thread's runs, one after another,
on one stream that stays open. Event ids are the run streams' sequences, so a
`Last-Event-ID` from any of the thread's run streams resumes this one too."""

from __future__ import annotations

from typing import Any, Callable

from fastapi import APIRouter, Depends, Header, Query

from ...application.queries.threads import get_thread
from ...domain.errors import InvalidInput
from ..access import require
from ..last_event_id import resume_after
from ..services import Services, services
from ..sse import chunk_frames, kept, sse_response

router = APIRouter(tags=["threads"])

# lifecycle: a run's start (`metadata`) and end; run_modes: all a run streams;
# state_update: the state as it changes.
_MODES: dict[str, Callable[[str], bool]] = {
    "lifecycle": lambda event: event in ("metadata", "end"),
    "run_modes": lambda event: event != "end",
    "state_update": lambda event: event.split("|")[0] in ("values", "updates"),
}


def thread_stream_filter(modes: list[str]) -> Callable[[Any], bool]:
    bad = [m for m in modes if m not in _MODES]
    if bad:
        raise InvalidInput(f"unknown stream_mode {bad[0]!r}; expected one of {', '.join(_MODES)}")
    tests = [_MODES[m] for m in modes or ["run_modes"]]
    return lambda chunk: any(test(chunk.event) for test in tests)


async def _start_after(s: Services, last_event_id: str | None) -> int:
    """`-`: from the start; an id: after it; none, or one we never gave (a
    later sequence): what comes next."""
    after, newest = resume_after(last_event_id), await s.streams.last_seq()
    return newest if after is None else min(after, newest)


@router.get("/threads/{thread_id}/stream")
async def join_thread_stream(
    thread_id: str,
    stream_mode: list[str] = Query(default=[]),
    stream_modes: list[str] = Query(default=[]),
    last_event_id: str | None = Header(None),
    s: Services = Depends(services),
):
    keep = thread_stream_filter([m for m in stream_mode + stream_modes if m])
    await require(s, "threads", "read", thread_id)
    await get_thread(s.db, thread_id)
    after = await _start_after(s, last_event_id)
    source = s.streams.thread_batches(thread_id, after_seq=after)
    frames = chunk_frames(
        source, until=lambda _: False, render=lambda c: kept(c, keep), stop=s.stopping
    )
    return sse_response(frames, run_path=None)
