"""The one loop every background task runs on (cron firing, thread TTLs, memory
store expiry, webhook delivery, the heartbeat, the worker watch, run recovery)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, Awaitable, Callable

from ..outages import warn_retrying

log = logging.getLogger(__name__)


async def every(
    interval: float,
    stop: asyncio.Event,
    work: Callable[[], Awaitable[Any]],
    what: str,
    *,
    logger: logging.Logger = log,
    report: Callable[[BaseException], None] | None = None,
) -> None:
    """Run `work` until `stop` is set, pausing `interval` seconds between rounds.
    A round that returns True had more to do: the next one starts at once. A
    failed round (a lost connection, a conflict) is reported, by default as a
    warning on `logger`, and tried again after the pause."""
    while not stop.is_set():
        try:
            more = await work()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if report is None:
                warn_retrying(logger, what, exc)
            else:
                report(exc)
            more = False
        if more is not True:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)
