"""The API's share of a connection pool, in a process that also executes runs.

The pool serves its waiters in arrival order. A burst of requests (a thousand
runs created at once) would queue a thousand waiters ahead of the executor's
own work: the background commits of the runs already going, their outcomes,
the one statement that renews all their leases. In bench_agents those waited
up to 15 s behind run creations, so runs whose tokens had all streamed ended
15-20 s later; a lease renewal held up as long lets the leases lapse.

Through a Bulkhead the API holds or awaits at most `limit` of the pool's
connections at once, so the executor's work never queues behind more than
that. It waits no longer than the pool itself would (its `timeout`), and
then fails as the pool does, with PoolTimeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Protocol

import psycopg
from psycopg_pool import AsyncConnectionPool, PoolTimeout


class Connections(Protocol):
    """Where PostgreSQL connections come from: the pool, or a share of it."""

    def connection(
        self, timeout: float | None = None
    ) -> contextlib.AbstractAsyncContextManager[psycopg.AsyncConnection]: ...


def reserve(size: int) -> int:
    """Connections the API leaves to the executor: a quarter, at least one."""
    return max(1, size // 4)


class Bulkhead:
    def __init__(self, pool: AsyncConnectionPool, limit: int) -> None:
        self.pool, self.limit = pool, limit
        self._gate = asyncio.Semaphore(limit)

    @classmethod
    def share_of(cls, pool: AsyncConnectionPool) -> Bulkhead:
        return cls(pool, max(1, pool.max_size - reserve(pool.max_size)))

    @contextlib.asynccontextmanager
    async def connection(
        self, timeout: float | None = None
    ) -> AsyncIterator[psycopg.AsyncConnection]:
        budget = self.pool.timeout if timeout is None else timeout
        started = time.monotonic()
        await self._enter(budget)
        try:
            left = max(0.0, budget - (time.monotonic() - started))
            async with self.pool.connection(left) as conn:
                yield conn
        finally:
            self._gate.release()

    async def _enter(self, budget: float) -> None:
        if not self._gate.locked():  # the common case: no wait, no timer
            await self._gate.acquire()
            return
        try:
            async with asyncio.timeout(budget):
                await self._gate.acquire()
        except TimeoutError:
            raise PoolTimeout(
                f"couldn't get a connection after {budget:.2f} sec: "
                f"all {self.limit} of the API's share are in use"
            ) from None
