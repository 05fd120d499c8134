"""What only the PostgreSQL store does: outbox rows, fenced writes, connections
that survive aborts. What every store does is in test_event_store_contract."""

from datetime import datetime, timezone

import pytest

from duragraph.application.ports import Fence, StreamAppend
from duragraph.domain.errors import ConcurrencyConflict, Fenced
from duragraph.domain.events import ThreadUpdated
from duragraph.domain.thread import Thread
from duragraph.infrastructure.postgres.database import open_pool
from duragraph.infrastructure.postgres.event_store import PostgresEventStore

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


async def test_every_event_gets_an_outbox_row_in_the_same_transaction(pool):
    store = PostgresEventStore(pool)
    t = Thread("t1")
    t.create(metadata={}, now=NOW)
    await store.save(t)
    async with pool.connection() as conn:
        rows = await (
            await conn.execute("SELECT e.type FROM outbox o JOIN events e USING (event_id)")
        ).fetchall()
    assert rows == [("thread.created",)]


async def test_a_connection_stays_usable_after_conflicts_and_fenced_writes(database_url):
    # One connection, so every append reuses it: an aborted transaction must
    # not leave it unable to run the next one (e.g. a stale prepared statement).

    pool = await open_pool(database_url, min_size=1, max_size=1)
    try:
        store = PostgresEventStore(pool)
        for i in range(12):
            t = Thread(f"t{i}")
            t.create(metadata={}, now=NOW)
            await store.save(t)
            stale = Thread(f"t{i}")
            stale.create(metadata={}, now=NOW)
            with pytest.raises(ConcurrencyConflict):
                await store.save(stale)
            with pytest.raises(Fenced):
                await store.append(
                    [
                        StreamAppend(
                            f"run-x{i}",
                            None,
                            [ThreadUpdated(at=NOW, thread_id=f"t{i}", metadata={})],
                        )
                    ],
                    fence=Fence("no-such-run", 1),
                )
        assert (await store.load(Thread, "t11")).version == 1
    finally:
        await pool.close()
