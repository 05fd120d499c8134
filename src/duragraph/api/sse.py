"""Server-Sent Events from run streams. The routes never execute a run: they
read NATS subjects and write frames; a subscription is released in a
`finally` when the client goes away."""
from __future__ import annotations

import asyncio
from typing import Any, AsyncIterator, Callable

from starlette.responses import StreamingResponse

HEARTBEAT_SECONDS = 5.0
_DONE = object()
# Stored on a run's subject but not sent on a run's own stream: its route
# sends `metadata` first itself, and `end` closes the stream.
_LIFECYCLE = ("metadata", "end")


def frame(event: str, data: bytes, ident: int | str | None) -> bytes:
    head = f"event: {event}\n".encode()
    tail = f"id: {ident}\n\n".encode() if ident is not None else b"\n"
    return head + b"data: " + data + b"\n" + tail


async def _pump(source: AsyncIterator[Any], queue: asyncio.Queue) -> None:
    try:
        async for chunk in source:
            await queue.put(chunk)
    finally:
        await queue.put(_DONE)


async def chunk_frames(source: AsyncIterator[Any], *, until: Callable[[Any], bool],
                       keep: Callable[[Any], bool],
                       heartbeat: float = HEARTBEAT_SECONDS) -> AsyncIterator[bytes]:
    """Frames for the chunks `keep` accepts, with a comment when nothing came
    for `heartbeat` seconds, until a chunk for which `until` holds."""
    queue: asyncio.Queue = asyncio.Queue()
    pump = asyncio.create_task(_pump(source, queue))
    try:
        while True:
            try:
                chunk = await asyncio.wait_for(queue.get(), heartbeat)
            except asyncio.TimeoutError:
                yield b": heartbeat\n\n"
                continue
            if chunk is _DONE or until(chunk):
                return
            if keep(chunk):
                yield frame(chunk.event, chunk.data, chunk.seq)
    finally:
        pump.cancel()
        await asyncio.gather(pump, return_exceptions=True)


def run_frames(streams: Any, run_id: str, after_seq: int = 0,
               heartbeat: float = HEARTBEAT_SECONDS) -> AsyncIterator[bytes]:
    return chunk_frames(streams.subscribe(run_id, after_seq=after_seq),
                        until=lambda c: c.event == "end",
                        keep=lambda c: c.event not in _LIFECYCLE, heartbeat=heartbeat)


def sse_response(frames: AsyncIterator[bytes], *, run_path: str | None) -> StreamingResponse:
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    if run_path is not None:
        headers.update({"Content-Location": run_path, "Location": f"{run_path}/stream"})
    return StreamingResponse(frames, media_type="text/event-stream", headers=headers)
