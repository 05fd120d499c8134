"""Starting and stopping `dev`'s embedded servers so that a Ctrl-C at any
moment, during startup too, leaves none of them running."""

from __future__ import annotations

import asyncio
from typing import Any

from duragraph.infrastructure.closing import quietly

STOP_TIMEOUT_S = 40.0  # pg_ctl's own fast-then-immediate stop is bounded below it


async def start_whole(server: Any, started: list[Any]) -> str:
    """`server.start()` in a thread, run to its end even if we are cancelled
    meanwhile (a half-started server could not be stopped), and recorded in
    `started` before it starts, so that the cleanup after a cancel stops it."""
    started.append(server)
    starting = asyncio.ensure_future(asyncio.to_thread(server.start))
    try:
        return await asyncio.shield(starting)
    except BaseException:  # cancelled, or a second Ctrl-C's KeyboardInterrupt
        await asyncio.wait([starting])
        starting.exception()  # we are stopping: how the start ended no longer matters
        raise


async def stop_all(started: list[Any]) -> None:
    """The last started first; each one stopped whatever became of the others."""
    for server in reversed(started):
        await quietly(server.name, asyncio.to_thread(server.stop), timeout=STOP_TIMEOUT_S)
