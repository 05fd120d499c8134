"""Thread command handlers decide on the in-memory event store: no PostgreSQL."""

import pytest

from duragraph.application.commands.threads import (
    CreatedThread,
    CreateThread,
    create_thread,
    delete_thread,
    update_thread,
)
from duragraph.domain.cron import Cron
from duragraph.domain.errors import AlreadyExists, InvalidInput, NotFound
from duragraph.domain.run_spec import RunSpec
from duragraph.domain.thread import Thread
from duragraph.infrastructure.inprocess.event_store import MemoryEventStore
from fakes import NOW, FixedClock, RacingStore, event_names


@pytest.fixture
def store() -> MemoryEventStore:
    return MemoryEventStore()


async def test_a_thread_is_created_with_its_metadata_under_a_new_id(store):
    created = await create_thread(CreateThread(metadata={"m": 1}), store, FixedClock())
    thread = await store.load(Thread, created.thread_id)
    assert thread.live and thread.metadata == {"m": 1}
    # the event the API builds its answer from: the thread's whole row
    assert created.only is not None and created.only.metadata == {"m": 1}


async def test_creating_a_thread_that_exists_is_refused_unless_asked_to_do_nothing(store):
    await create_thread(CreateThread(thread_id="t1"), store, FixedClock())
    with pytest.raises(AlreadyExists):
        await create_thread(CreateThread(thread_id="t1"), store, FixedClock())
    again = CreateThread(thread_id="t1", metadata={"x": 1}, if_exists="do_nothing")
    assert await create_thread(again, store, FixedClock()) == CreatedThread("t1", only=None)
    assert event_names(store, "thread-t1") == ["thread.created"]


async def test_an_unknown_if_exists_is_invalid_and_writes_nothing(store):
    with pytest.raises(InvalidInput):
        await create_thread(CreateThread(thread_id="t1", if_exists="replace"), store, FixedClock())
    assert store.log == []


async def test_a_thread_takes_the_default_ttl_only_when_none_is_given(store):
    default = {"strategy": "delete", "ttl": 60}
    await create_thread(CreateThread(thread_id="t1", default_ttl=default), store, FixedClock())
    await create_thread(
        CreateThread(
            thread_id="t2", default_ttl=default, ttl={"strategy": "keep_latest", "ttl": 5}
        ),
        store,
        FixedClock(),
    )
    t1, t2 = await store.load_many((Thread, "t1"), (Thread, "t2"))
    assert (t1.ttl.strategy, t1.ttl.ttl_minutes) == ("delete", 60)
    assert (t2.ttl.strategy, t2.ttl.ttl_minutes) == ("keep_latest", 5)


async def test_an_update_merges_metadata_into_the_threads(store):
    await create_thread(CreateThread(thread_id="t1", metadata={"a": 1}), store, FixedClock())
    await update_thread("t1", {"b": 2}, store, FixedClock())
    assert (await store.load(Thread, "t1")).metadata == {"a": 1, "b": 2}


async def test_updating_or_deleting_an_unknown_thread_is_not_found(store):
    with pytest.raises(NotFound):
        await update_thread("nobody", {"b": 2}, store, FixedClock())
    with pytest.raises(NotFound):
        await delete_thread("nobody", store, FixedClock())
    assert store.log == []


async def test_deleting_a_thread_interrupts_its_run_and_deletes_its_crons(store):
    thread = Thread("t1")
    thread.create(metadata={}, now=NOW)
    thread.create_run(
        run_id="r1",
        assistant_id="a",
        graph_id="g",
        spec=RunSpec(),
        metadata={},
        strategy="reject",
        temporary=False,
        now=NOW,
    )
    cron = Cron("c1")
    cron.create(
        assistant_id="a",
        thread_id="t1",
        schedule="* * * * *",
        timezone=None,
        end_time=None,
        enabled=True,
        payload={},
        metadata={},
        on_run_completed=None,
        now=NOW,
        next_tick=lambda *_: None,
    )
    await store.save(thread, cron)
    await delete_thread("t1", store, FixedClock(), cron_ids=["c1", "gone"])
    assert event_names(store, "thread-t1")[-2:] == ["run.cancelled", "thread.deleted"]
    assert event_names(store, "cron-c1")[-1] == "cron.deleted"
    assert event_names(store, "cron-gone") == []
    assert len({e.tx_id for e in store.log[-3:]}) == 1  # one transaction


async def test_an_update_that_lost_a_race_is_decided_again_and_keeps_both():
    store = RacingStore()
    await create_thread(CreateThread(thread_id="t1"), store, FixedClock())
    store.rival = lambda s: update_thread("t1", {"rival": True}, s, FixedClock())
    await update_thread("t1", {"mine": True}, store, FixedClock())
    assert (await store.load(Thread, "t1")).metadata == {"rival": True, "mine": True}
