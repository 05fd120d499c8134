"""Protocol v2 event streams: a thread's stored run chunks, read from NATS
(api/sse.py chunk_frames) from where the client asks, translated
(protocols/v2/events.py) and filtered by channel and namespace. Shared by the
SSE route and the WebSocket."""

from __future__ import annotations

from typing import Any, AsyncIterator, Callable

import orjson

from ....application.queries import runs as q
from ...services import Services
from ...sse import chunk_frames, frame
from .commands import BadRequest
from .events import CHANNELS, FANOUT, Filter, Translator, envelope


def parse_filter(body: dict[str, Any]) -> Filter:
    channels = body.get("channels")
    if not isinstance(channels, list) or not channels:
        raise BadRequest("channels: a non-empty list of channels is required")
    bad = [c for c in channels if c not in CHANNELS]
    if bad:
        raise BadRequest(
            f"channels: unknown channel {bad[0]!r}; expected one of {', '.join(CHANNELS)}"
        )
    namespaces = body.get("namespaces")
    if namespaces is not None and not (
        isinstance(namespaces, list)
        and all(isinstance(n, list) and all(isinstance(p, str) for p in n) for n in namespaces)
    ):
        raise BadRequest("namespaces: a list of namespaces (lists of strings) is expected")
    depth = natural(body, "depth")
    return Filter(
        frozenset(channels),
        None if namespaces is None else tuple(tuple(n) for n in namespaces),
        depth,
    )


def natural(body: dict[str, Any], key: str) -> int | None:
    value = body.get(key)
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
        raise BadRequest(f"{key}: a non-negative integer is expected")
    return value


async def _current_run_start(s: Services, thread_id: str) -> int:
    """Without `since`, a connection sees the thread's latest run from its
    start (a client subscribes just after `run.start`), then what follows."""
    now = await s.streams.last_seq()
    latest = await q.list_runs(s.db, thread_id, limit=1)
    first = await s.streams.first_seq(latest[0]["run_id"]) if latest else None
    return now if first is None else first - 1


async def _start_of(s: Services, thread_id: str, since: int | None) -> int:
    """The stream sequence to read after. With `since`, from the start of the
    run it points into, so that messages it cut through are known as begun."""
    if since is None:
        return await _current_run_start(s, thread_id)
    seq = since // FANOUT
    first = await s.streams.run_start_at(seq) if seq else None
    return (seq if first is None else first) - 1


def _renderer(
    wanted: Filter, since: int | None, write: Callable[[str, int, dict[str, Any]], bytes]
) -> Callable[[Any], list[bytes]]:
    translator = Translator()

    def render(chunk: Any) -> list[bytes]:
        frames = []
        for k, ((method, namespace, data, node), ref) in enumerate(
            translator.events(chunk.event, chunk.data)[:FANOUT]
        ):
            seq = chunk.seq * FANOUT + k
            if (since is not None and seq <= since) or not wanted.wants(method, namespace):
                continue
            frames.append(
                write(method, seq, envelope(seq, method, namespace, data, node, chunk.time_ms, ref))
            )
        return frames

    return render


def _sse(method: str, seq: int, event: dict[str, Any]) -> bytes:
    return frame(method, orjson.dumps(event), seq)


async def event_frames(
    s: Services,
    thread_id: str,
    wanted: Filter,
    since: int | None,
    write: Callable[[str, int, dict[str, Any]], bytes] = _sse,
) -> AsyncIterator[bytes]:
    """The thread's protocol events as `write` renders them (SSE frames by
    default), with heartbeat comments between them."""
    after = max(await _start_of(s, thread_id, since), 0)
    source = s.streams.thread_batches(thread_id, after_seq=after)
    return chunk_frames(
        source, until=lambda _: False, stop=s.stopping, render=_renderer(wanted, since, write)
    )
