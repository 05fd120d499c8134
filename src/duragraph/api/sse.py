"""Server-Sent Events from run streams. The routes never execute a run: they
read NATS subjects and write frames; a subscription is released in a
`finally` when the client goes away."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any, Callable, Iterable, Sequence

from starlette.responses import StreamingResponse

from ..infrastructure.graphs.stream_modes import requested_modes

HEARTBEAT_SECONDS = 5.0
_DONE = object()


def frame(event: str, data: bytes, ident: int | str | None) -> bytes:
    head = f"event: {event}\n".encode()
    tail = f"id: {ident}\n\n".encode() if ident is not None else b"\n"
    return head + b"data: " + data + b"\n" + tail


async def chunk_frames(
    source: AsyncIterator[Sequence[Any]],
    *,
    until: Callable[[Any], bool],
    render: Callable[[Any], Iterable[bytes]],
    stop: asyncio.Event,
    heartbeat: float = HEARTBEAT_SECONDS,
) -> AsyncGenerator[bytes, None]:
    """The frames `render` makes of each chunk, with a comment when nothing
    came for `heartbeat` seconds, until a chunk for which `until` holds or `stop`.

    `source` gives chunks in batches (those that arrived together); a batch's
    frames are one write, so a reader behind a fast run catches up in a few
    writes rather than one per token. A batch is pulled from `source` only
    once the client took the frames of the one before: a client that does not
    read holds up its own reader (whose NATS subscription bounds what it
    buffers), never a queue here."""
    stopped = asyncio.create_task(stop.wait())
    pull: asyncio.Future | None = None
    try:
        while True:
            pull = pull or asyncio.ensure_future(_pull(source))
            batch = await _next(pull, stopped, heartbeat)
            if pull.done():
                pull = None
            if batch is None:
                yield b": heartbeat\n\n"
                continue
            if batch is _DONE:
                return
            frames, ended = _rendered(batch, until, render)
            if frames:
                yield frames
            if ended:
                return
    finally:
        await _release(source, pull, stopped)


def _rendered(
    batch: Sequence[Any], until: Callable[[Any], bool], render: Callable[[Any], Iterable[bytes]]
) -> tuple[bytes, bool]:
    """The batch's frames up to a chunk for which `until` holds, and whether one did."""
    frames: list[bytes] = []
    for chunk in batch:
        if until(chunk):
            return b"".join(frames), True
        frames.extend(render(chunk))
    return b"".join(frames), False


async def _pull(source: AsyncIterator[Any]) -> Any:
    return await anext(source, _DONE)


async def _next(pull: asyncio.Future, stopped: asyncio.Task, heartbeat: float) -> Any:
    """The next chunk; None after `heartbeat` seconds without one (`pull`
    goes on); _DONE once stopped."""
    done, _ = await asyncio.wait(
        {pull, stopped}, timeout=heartbeat, return_when=asyncio.FIRST_COMPLETED
    )
    if pull in done:
        return pull.result()
    return _DONE if stopped in done else None


async def _release(
    source: AsyncIterator[Any], pull: asyncio.Future | None, stopped: asyncio.Task
) -> None:
    """Stops the pull in flight, then closes the source (its subscription)."""
    for task in (pull, stopped):
        if task is not None:
            task.cancel()
    await asyncio.gather(*(t for t in (pull, stopped) if t is not None), return_exceptions=True)
    aclose = getattr(source, "aclose", None)
    if aclose is not None:
        await aclose()


def run_frames(
    streams: Any,
    run_id: str,
    stop: asyncio.Event,
    after_seq: int = 0,
    modes: list[str] | None = None,
) -> AsyncIterator[bytes]:
    """A run's frames after `after_seq`, from the `metadata` its executor
    stored first (replayed like any other); with `modes`, only those modes'
    frames. The stored `end` closes the stream."""
    wanted = _event_names(modes) if modes else None

    def keep(chunk: Any) -> bool:
        return wanted is None or chunk.event.split("|")[0] in wanted

    return chunk_frames(
        streams.run_batches(run_id, after_seq=after_seq),
        until=lambda c: c.event == "end",
        render=lambda c: kept(c, keep),
        stop=stop,
    )


def _event_names(modes: list[str]) -> set[str]:
    """The frames' event names (before any `|namespace`) of the given modes;
    errors always pass."""
    names = {"error"}
    for mode in requested_modes(modes):
        if mode == "messages":
            names |= {"messages/metadata", "messages/partial", "messages/complete"}
        else:
            names.add("messages" if mode == "messages-tuple" else mode)
    return names


def kept(chunk: Any, keep: Callable[[Any], bool]) -> list[bytes]:
    """The chunk's own frame, if `keep` wants it."""
    return [frame(chunk.event, chunk.data, chunk.seq)] if keep(chunk) else []


def sse_response(
    frames: AsyncIterator[bytes], *, run_path: str | None, created: str | None = None
) -> StreamingResponse:
    """`run_path`: where the stream is joined again; `created`: where the run
    is (for a stateless run `/runs/{id}`, as upstream: no thread named)."""
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    if run_path is not None:
        headers.update({"Content-Location": created or run_path, "Location": f"{run_path}/stream"})
    return StreamingResponse(frames, media_type="text/event-stream", headers=headers)
