"""A run's result as `runs.wait` and `runs.join` answer it: the headers come
at once (the SDK's `on_run_created` reads `Content-Location` from them), a
newline every few seconds keeps idle connections open (JSON parsers skip
it), then the result."""

from __future__ import annotations

import asyncio
from typing import AsyncIterator

import anyio
from starlette.responses import StreamingResponse

from ..infrastructure.graphs.serialization import dumps
from .run_control import cancel_quietly, wait_for_run
from .services import Services
from .sse import HEARTBEAT_SECONDS


def result_response(
    s: Services, thread_id: str, run_id: str, *, cancel_on_disconnect: bool = False
) -> StreamingResponse:
    path = f"/threads/{thread_id}/runs/{run_id}"
    return StreamingResponse(
        _result_body(s, thread_id, run_id, cancel_on_disconnect),
        media_type="application/json",
        headers={"Content-Location": path, "Location": f"{path}/join"},
    )


async def _result_body(
    s: Services, thread_id: str, run_id: str, cancel_on_disconnect: bool
) -> AsyncIterator[bytes]:
    waiting = asyncio.ensure_future(wait_for_run(s, run_id))
    finished = False
    try:
        while not (await asyncio.wait({waiting}, timeout=HEARTBEAT_SECONDS))[0]:
            yield b"\n"
        finished = True
        yield dumps(waiting.result())
    finally:
        waiting.cancel()
        if not finished and cancel_on_disconnect:
            # The client is gone and this task is being cancelled: without
            # the shield the cancel command would be cancelled at its first await.
            with anyio.CancelScope(shield=True):
                await cancel_quietly(s, thread_id, run_id)
