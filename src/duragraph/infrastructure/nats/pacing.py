"""Waiting without busy loops: capped exponential backoff, and sleeps that a
stop (or wake-up) event cuts short."""

from __future__ import annotations

import asyncio
from typing import Awaitable, TypeVar

T = TypeVar("T")


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
