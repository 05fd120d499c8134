"""Waiting without busy loops: capped exponential backoff, and sleeps that a
stop (or wake-up) event cuts short."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Awaitable, Callable, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)


class Backoff:
    def __init__(self, first: float = 0.2, cap: float = 10.0) -> None:
        self.first, self.cap = first, cap
        self._next = first

    def next(self) -> float:
        delay, self._next = self._next, min(self._next * 2, self.cap)
        return delay

    def reset(self) -> None:
        self._next = self.first


async def wait_any(*events: asyncio.Event, timeout: float | None) -> None:
    """Return when any event is set, or after `timeout`."""
    waiters = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


async def unless_stopped(work: Awaitable[T], stop: asyncio.Event) -> T | None:
    """Await `work`, or cancel it and return None as soon as `stop` is set."""
    task = asyncio.ensure_future(work)
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait([task, stopper], return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopper.cancel()
        if not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    return task.result() if not task.cancelled() else None


async def retried(
    call: Callable[[], Awaitable[T]],
    errors: tuple[type[Exception], ...],
    *,
    what: str,
    timeout: float,
) -> T:
    """`call()`, again after each of `errors` (backing off, saying so) for up
    to `timeout` seconds; then the error is raised."""
    deadline, backoff = time.monotonic() + timeout, Backoff(cap=5.0)
    while True:
        try:
            return await call()
        except errors as exc:
            if time.monotonic() >= deadline:
                raise
            delay = backoff.next()
            log.warning("%s: %s: %s; retrying in %.1fs", what, type(exc).__name__, exc, delay)
            await asyncio.sleep(delay)
