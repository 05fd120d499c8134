"""The API's share of the pool (bulkhead.py): a burst of API work cannot take
the connections the executor needs to commit and finish the runs it has."""

import asyncio
from datetime import datetime, timezone

import pytest
from psycopg_pool import PoolTimeout

from duragraph.domain.thread import Thread
from duragraph.infrastructure.postgres.bulkhead import Bulkhead
from duragraph.infrastructure.postgres.event_store import PostgresEventStore

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


async def _hold(share: Bulkhead, held: asyncio.Event, release: asyncio.Event) -> None:
    async with share.connection() as conn:
        await conn.execute("SELECT 1")
        held.set()
        await release.wait()


async def test_a_full_api_share_leaves_the_executor_its_connections(pool):
    share = Bulkhead.share_of(pool)  # 8 of the fixture's 10
    assert share.limit == 8
    api, executor = PostgresEventStore(share), PostgresEventStore(pool)
    release = asyncio.Event()
    holds = [asyncio.Event() for _ in range(share.limit)]
    holders = [asyncio.create_task(_hold(share, h, release)) for h in holds]
    await asyncio.wait_for(asyncio.gather(*(h.wait() for h in holds)), 10)

    thread = Thread("t-api")
    thread.create(metadata={}, now=NOW)
    waiting = asyncio.create_task(api.save(thread))  # one request more: it waits its turn
    await asyncio.sleep(0.3)
    assert not waiting.done()

    run_thread = Thread("t-executor")  # the executor's commit goes through at once
    run_thread.create(metadata={}, now=NOW)
    await asyncio.wait_for(executor.save(run_thread), 5)
    assert (await executor.load(Thread, "t-executor")).version == 1

    release.set()
    await asyncio.wait_for(waiting, 10)
    await asyncio.gather(*holders)
    assert (await executor.load(Thread, "t-api")).version == 1


async def test_a_share_held_too_long_fails_as_the_pool_does_and_recovers(pool):
    share = Bulkhead(pool, 1)
    release, held = asyncio.Event(), asyncio.Event()
    holder = asyncio.create_task(_hold(share, held, release))
    await asyncio.wait_for(held.wait(), 10)
    with pytest.raises(PoolTimeout, match="all 1 of the API's share are in use"):
        async with share.connection(timeout=0.2):
            pass
    release.set()
    await holder
    async with share.connection(timeout=5) as conn:  # the timed-out wait took nothing
        assert await (await conn.execute("SELECT 2")).fetchone() == (2,)
