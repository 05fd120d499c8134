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
    once the one before was taken: a client that does not read holds up its
    own reader (whose NATS subscription bounds what it buffers), never a
    queue here."""
    feed = _Feed(source, stop)
    try:
        while True:
            batch = await feed.next(heartbeat)
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
        await feed.close()


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


class _Feed:
    """`source`'s batches, pulled by one task for the stream's life (not a
    task per batch: a stream of tokens is mostly batches of one), handed over
    one at a time; _DONE once the source ends or `stop` is set."""

    def __init__(self, source: AsyncIterator[Sequence[Any]], stop: asyncio.Event) -> None:
        self.source = source
        self.queue: asyncio.Queue[Any] = asyncio.Queue()
        self.taken = asyncio.Event()
        self.pump = asyncio.create_task(self._pump())
        self.stopped = asyncio.create_task(stop.wait())
        self.stopped.add_done_callback(lambda _: self.queue.put_nowait(_DONE))

    async def next(self, heartbeat: float) -> Any:
        """The next batch; None after `heartbeat` seconds without one."""
        try:
            async with asyncio.timeout(heartbeat):
                item = await self.queue.get()
        except TimeoutError:
            return None
        self.taken.set()
        if isinstance(item, BaseException):
            raise item
        return item

    async def _pump(self) -> None:
        try:
            async for batch in self.source:
                self.taken.clear()
                self.queue.put_nowait(batch)
                await self.taken.wait()
        except Exception as exc:  # raised to the reader, in its turn
            self.queue.put_nowait(exc)
        else:
            self.queue.put_nowait(_DONE)

    async def close(self) -> None:
        """Stops the pull in flight, then closes the source (its subscription)."""
        for task in (self.pump, self.stopped):
            task.cancel()
        await asyncio.gather(self.pump, self.stopped, return_exceptions=True)
        aclose = getattr(self.source, "aclose", None)
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
