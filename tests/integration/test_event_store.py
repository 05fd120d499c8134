from datetime import datetime, timezone

import pytest

from duragraph.domain.errors import ConcurrencyConflict
from duragraph.domain.thread import Thread
from duragraph.infrastructure.postgres.event_store import PostgresEventStore

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


async def test_a_saved_aggregate_loads_back_with_its_version(pool):
    store = PostgresEventStore(pool)
    t = Thread("t1")
    t.create(metadata={"a": 1}, now=NOW)
    t.update(metadata={"b": 2}, now=NOW)
    await store.save(t)
    loaded = await store.load(Thread, "t1")
    assert loaded.version == 2 and loaded.metadata == {"a": 1, "b": 2}


async def test_a_stale_writer_gets_a_conflict_not_an_overwrite(pool):
    store = PostgresEventStore(pool)
    t = Thread("t1")
    t.create(metadata={}, now=NOW)
    await store.save(t)
    a, b = await store.load(Thread, "t1"), await store.load(Thread, "t1")
    a.update(metadata={"who": "a"}, now=NOW)
    b.update(metadata={"who": "b"}, now=NOW)
    await store.save(a)
    with pytest.raises(ConcurrencyConflict):
        await store.save(b)
    assert (await store.load(Thread, "t1")).metadata == {"who": "a"}


async def test_every_event_gets_an_outbox_row_in_the_same_transaction(pool):
    store = PostgresEventStore(pool)
    t = Thread("t1")
    t.create(metadata={}, now=NOW)
    await store.save(t)
    async with pool.connection() as conn:
        rows = await (await conn.execute(
            "SELECT e.type FROM outbox o JOIN events e USING (event_id)")).fetchall()
    assert rows == [("thread.created",)]
