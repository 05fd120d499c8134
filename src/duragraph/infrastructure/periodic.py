"""The loop every background sweeper shares (crons, TTLs, store expiry, webhooks)."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, Awaitable, Callable

from .outages import warn_retrying

log = logging.getLogger(__name__)


async def every(interval: float, stop: asyncio.Event, work: Callable[[], Awaitable[Any]],
                what: str) -> None:
    """Run `work` until `stop` is set, pausing `interval` seconds between rounds.
    A round that returns True had more to do: the next one starts at once. A
    failed round (a lost connection, a conflict) is logged and tried again."""
    while not stop.is_set():
        try:
            more = await work()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            warn_retrying(log, what, exc)
            more = False
        if more is not True:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)
