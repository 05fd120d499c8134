"""Server-Sent Events from a run's stream. The route never executes a run: it
reads the run's NATS subject and writes frames; its subscription is released
in a `finally` when the client goes away."""
from __future__ import annotations

import asyncio
from contextlib import aclosing
from typing import Any, AsyncIterator

from starlette.responses import StreamingResponse

HEARTBEAT_SECONDS = 5.0
_DONE = object()


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


async def run_chunks(streams: Any, run_id: str, after_seq: int = 0,
                     heartbeat: float = HEARTBEAT_SECONDS) -> AsyncIterator[Any]:
    """The run's chunks up to its end (not included); None each `heartbeat`
    seconds without one."""
    queue: asyncio.Queue = asyncio.Queue()
    pump = asyncio.create_task(_pump(streams.subscribe(run_id, after_seq=after_seq), queue))
    try:
        while True:
            try:
                chunk = await asyncio.wait_for(queue.get(), heartbeat)
            except asyncio.TimeoutError:
                yield None
                continue
            if chunk is _DONE or chunk.event == "end":
                return
            yield chunk
    finally:
        pump.cancel()
        await asyncio.gather(pump, return_exceptions=True)


async def run_frames(streams: Any, run_id: str, after_seq: int = 0,
                     heartbeat: float = HEARTBEAT_SECONDS) -> AsyncIterator[bytes]:
    async with aclosing(run_chunks(streams, run_id, after_seq, heartbeat)) as chunks:
        async for chunk in chunks:
            yield b": heartbeat\n\n" if chunk is None else frame(chunk.event, chunk.data, chunk.seq)


def sse_response(frames: AsyncIterator[bytes], *, run_path: str) -> StreamingResponse:
    return StreamingResponse(frames, media_type="text/event-stream", headers={
        "Content-Location": run_path, "Location": f"{run_path}/stream",
        "Cache-Control": "no-store", "X-Accel-Buffering": "no"})
