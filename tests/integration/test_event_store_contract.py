"""What every event store promises (the application's EventStore port), run
against the PostgreSQL store and the in-memory fake that unit tests use: if
the fake passes here, a handler tested on it behaves the same on PostgreSQL."""

import asyncio
from datetime import datetime, timezone

import pytest

from duragraph.application.ports import GrantLease, ReleaseLease, StreamAppend
from duragraph.domain.assistant import Assistant
from duragraph.domain.errors import ConcurrencyConflict
from duragraph.domain.events import ThreadUpdated
from duragraph.domain.thread import Thread
from duragraph.infrastructure.inprocess.event_store import MemoryEventStore
from duragraph.infrastructure.postgres.event_store import PostgresEventStore

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


@pytest.fixture(params=["memory", "postgres"])
def store(request):
    if request.param == "memory":
        return MemoryEventStore()
    return PostgresEventStore(request.getfixturevalue("pool"))


async def saved_thread(store, ident: str = "t1", updates: int = 0) -> Thread:
    t = Thread(ident)
    t.create(metadata={}, now=NOW)
    for i in range(updates):
        t.update(metadata={"i": i}, now=NOW)
    await store.save(t)
    return t


def note(thread_id: str, n: int) -> ThreadUpdated:
    return ThreadUpdated(at=NOW, thread_id=thread_id, metadata={"n": n})


async def read_all(store, count: int, after: tuple[int, int] = (0, 0), limit: int = 1000):
    """PostgreSQL hands out a commit only once every older transaction of
    the server has ended (see read_all): on a busy server, wait for it."""
    for _ in range(100):
        events = await store.read_all(after=after, limit=limit)
        if len(events) >= count:
            return events
        await asyncio.sleep(0.05)
    return events


async def test_a_saved_aggregate_loads_back_with_its_version(store):
    t = Thread("t1")
    t.create(metadata={"a": 1}, now=NOW)
    t.update(metadata={"b": 2}, now=NOW)
    await store.save(t)
    assert t.pending == []
    loaded = await store.load(Thread, "t1")
    assert loaded.version == 2 and loaded.metadata == {"a": 1, "b": 2}


async def test_a_long_stream_loads_whole(store):
    await saved_thread(store, updates=1100)  # longer than a page of read_stream
    loaded = await store.load(Thread, "t1")
    assert loaded.version == 1101 and loaded.metadata == {"i": 1099}


async def test_a_stream_never_written_loads_as_a_new_aggregate(store):
    loaded = await store.load(Thread, "nobody")
    assert (loaded.version, loaded.exists) == (0, False)


async def test_a_stale_writer_gets_a_conflict_not_an_overwrite(store):
    await saved_thread(store)
    a, b = await store.load(Thread, "t1"), await store.load(Thread, "t1")
    a.update(metadata={"who": "a"}, now=NOW)
    b.update(metadata={"who": "b"}, now=NOW)
    await store.save(a)
    with pytest.raises(ConcurrencyConflict) as conflict:
        await store.save(b)
    assert conflict.value.stream_id == "thread-t1"
    assert (await store.load(Thread, "t1")).metadata == {"who": "a"}


async def test_creating_a_stream_that_exists_conflicts(store):
    await saved_thread(store)
    again = Thread("t1")
    again.create(metadata={"again": True}, now=NOW)
    with pytest.raises(ConcurrencyConflict):
        await store.save(again)
    assert (await store.load(Thread, "t1")).metadata == {}


async def test_a_save_of_several_aggregates_is_all_or_nothing(store):
    await saved_thread(store, "old")
    fresh, stale = Thread("fresh"), Thread("old")
    fresh.create(metadata={}, now=NOW)
    stale.create(metadata={}, now=NOW)
    with pytest.raises(ConcurrencyConflict):
        await store.save(fresh, stale)
    assert (await store.load(Thread, "fresh")).version == 0
    assert await store.read_stream("thread-fresh") == []


async def test_a_save_conflicts_when_a_stream_the_decision_read_moved(store):
    assistant = Assistant("a1")
    assistant.create(
        graph_id="g", name="n", description=None, config={}, context={}, metadata={}, now=NOW
    )
    await store.save(assistant)
    read = await store.load(Assistant, "a1")
    t = Thread("t1")
    t.create(metadata={}, now=NOW)
    await store.save(t, unchanged=[read])  # still where the decision saw it

    moved = await store.load(Assistant, "a1")
    moved.delete(now=NOW)
    await store.save(moved)
    t.update(metadata={"x": 1}, now=NOW)
    with pytest.raises(ConcurrencyConflict):
        await store.save(t, unchanged=[read])
    assert (await store.load(Thread, "t1")).version == 1


async def test_load_many_returns_each_aggregate_in_the_order_asked(store):
    await saved_thread(store, "t1", updates=2)
    await saved_thread(store, "t2")
    for cached in (False, True):
        t2, nobody, t1 = await store.load_many(
            (Thread, "t2"), (Thread, "nobody"), (Thread, "t1"), cached=cached
        )
        assert [(a.id, a.version) for a in (t2, nobody, t1)] == [
            ("t2", 1),
            ("nobody", 0),
            ("t1", 3),
        ]


async def test_a_cached_load_sees_the_stores_own_latest_write(store):
    t = await saved_thread(store)
    (before,) = await store.load_many((Thread, "t1"), cached=True)
    t.update(metadata={"later": True}, now=NOW)
    await store.save(t)
    (after,) = await store.load_many((Thread, "t1"), cached=True)
    assert (before.version, after.version, after.metadata) == (1, 2, {"later": True})


async def test_an_append_without_an_expected_version_goes_after_whatever_is_there(store):
    await store.append([StreamAppend("checkpoints-t1", None, [note("t1", 0), note("t1", 1)])])
    await store.append([StreamAppend("checkpoints-t1", None, [note("t1", 2)])])
    events = await store.read_stream("checkpoints-t1")
    assert [(e.version, e.data["metadata"]) for e in events] == [
        (1, {"n": 0}),
        (2, {"n": 1}),
        (3, {"n": 2}),
    ]
    with pytest.raises(ConcurrencyConflict):
        await store.append([StreamAppend("checkpoints-t1", 2, [note("t1", 9)])])
    assert len(await store.read_stream("checkpoints-t1")) == 3


async def test_extra_batches_commit_before_the_aggregates_events(store):
    t = Thread("t1")
    t.create(metadata={}, now=NOW)
    await store.save(t, extra=[StreamAppend("checkpoints-t1", None, [note("t1", 0)])])
    (extra,), (own,) = (
        await store.read_stream("checkpoints-t1"),
        await store.read_stream("thread-t1"),
    )
    assert extra.position < own.position and own.version == 1


async def test_a_stored_event_reads_back_as_the_event_saved(store):
    t = Thread("t1")
    t.create(metadata={"nested": {"list": [1, "two"]}}, now=NOW)
    (created,) = t.pending
    await store.save(t)
    (stored,) = await store.read_stream("thread-t1")
    assert (stored.stream_id, stored.version, stored.type) == ("thread-t1", 1, "thread.created")
    assert stored.event == created and stored.recorded_at.tzinfo is not None


async def test_a_stream_reads_in_version_order_from_a_version_with_a_limit(store):
    await saved_thread(store, "t1", updates=5)
    await saved_thread(store, "t2")
    events = await store.read_stream("thread-t1")
    assert [e.version for e in events] == [1, 2, 3, 4, 5, 6]
    assert [e.position for e in events] == sorted(e.position for e in events)
    assert [e.version for e in await store.read_stream("thread-t1", after_version=2, limit=3)] == [
        3,
        4,
        5,
    ]


async def test_the_log_reads_globally_in_commit_order_from_a_cursor(store):
    await saved_thread(store, "t1", updates=1)
    await saved_thread(store, "t2")
    await saved_thread(store, "t3")
    events = await read_all(store, 4)
    assert [(e.stream_id, e.version) for e in events] == [
        ("thread-t1", 1),
        ("thread-t1", 2),
        ("thread-t2", 1),
        ("thread-t3", 1),
    ]
    assert len({e.position for e in events}) == 4
    assert len({e.event_id for e in events}) == 4
    assert events[0].tx_id == events[1].tx_id != events[2].tx_id  # one save, one transaction
    cursor = (events[1].tx_id, events[1].position)
    rest = await read_all(store, 1, after=cursor, limit=1)
    assert [e.stream_id for e in rest] == ["thread-t2"]
    last = (events[-1].tx_id, events[-1].position)
    assert await store.read_all(after=last) == []


async def test_saving_nothing_writes_nothing(store):
    t = await saved_thread(store)
    await store.save(t)
    await store.append([StreamAppend("checkpoints-t1", None, [])])
    assert [e.stream_id for e in await read_all(store, 1)] == ["thread-t1"]


async def held(store, run_id: str) -> tuple[int, str] | None:
    """The lease a run holds, as (epoch, worker id): the fake's table, or PostgreSQL's."""
    if isinstance(store, MemoryEventStore):
        lease = store.leases.get(run_id)
        return None if lease is None else (lease.epoch, lease.worker_id)
    async with store.pool.connection() as conn:
        cur = await conn.execute("SELECT epoch, worker_id FROM leases WHERE run_id=%s", (run_id,))
        return await cur.fetchone()


async def test_a_lease_granted_with_events_commits_with_them_and_a_grant_replaces_it(store):
    t = Thread("t1")
    t.create(metadata={}, now=NOW)
    await store.save(t, leases=[GrantLease("r1", "t1", 1, "w1", 10.0)])
    assert await held(store, "r1") == (1, "w1")
    t.update(metadata={"x": 1}, now=NOW)
    await store.save(t, leases=[GrantLease("r1", "t1", 2, "w2", 10.0)])
    assert await held(store, "r1") == (2, "w2")


async def test_a_release_drops_the_lease_only_while_it_is_of_its_epoch(store):
    t = Thread("t1")
    t.create(metadata={}, now=NOW)
    await store.save(t, leases=[GrantLease("r1", "t1", 2, "w2", 10.0)])
    t.update(metadata={"x": 1}, now=NOW)
    await store.save(t, leases=[ReleaseLease("r1", 1)])  # a stale epoch's
    assert await held(store, "r1") == (2, "w2")
    t.update(metadata={"x": 2}, now=NOW)
    await store.save(t, leases=[ReleaseLease("r1", 2)])
    assert await held(store, "r1") is None


async def test_the_lease_changes_of_a_save_that_conflicts_are_not_made(store):
    await saved_thread(store)
    stale = Thread("t1")
    stale.create(metadata={}, now=NOW)
    with pytest.raises(ConcurrencyConflict):
        await store.save(stale, leases=[GrantLease("r1", "t1", 1, "w1", 10.0)])
    assert await held(store, "r1") is None
