from datetime import datetime, timezone

import pytest

from duragraph.domain.errors import ConcurrencyConflict, Fenced
from duragraph.domain.events import ThreadUpdated
from duragraph.domain.thread import Thread
from duragraph.infrastructure.postgres.database import open_pool
from duragraph.infrastructure.postgres.event_store import Batch, Fence, PostgresEventStore

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
                await store.append([Batch(f"run-x{i}", None, [
                    ThreadUpdated(at=NOW, thread_id=f"t{i}", metadata={})])],
                    fence=Fence("no-such-run", 1))
        assert (await store.load(Thread, "t11")).version == 1
    finally:
        await pool.close()


async def test_a_batch_commits_in_version_order(pool):
    # Tailing readers go by position: within a stream it must follow the version.
    store = PostgresEventStore(pool)
    t = Thread("t1")
    t.create(metadata={}, now=NOW)
    for i in range(5):
        t.update(metadata={"i": i}, now=NOW)
    await store.save(t)
    await store.append([Batch("checkpoints-t1", None, [ThreadUpdated(at=NOW, thread_id="t1",
                                                                      metadata={"n": n})
                                                        for n in range(3)])])
    await store.append([Batch("checkpoints-t1", None, [ThreadUpdated(at=NOW, thread_id="t1",
                                                                      metadata={"n": 3})])])
    for stream, count in (("thread-t1", 6), ("checkpoints-t1", 4)):
        events = await store.read_stream(stream)
        assert [e.version for e in events] == list(range(1, count + 1))
        assert [e.position for e in events] == sorted(e.position for e in events)
    assert [e.data["metadata"] for e in await store.read_stream("checkpoints-t1")] == [
        {"n": n} for n in range(4)]
