"""Cron command handlers decide on the in-memory event store: no PostgreSQL."""

import pytest

from duragraph.application.commands.crons import CreateCron, create_cron, fire_cron, update_cron
from duragraph.application.commands.runs import CreateRun, create_run
from duragraph.application.commands.threads import delete_thread
from duragraph.domain.cron import Cron
from duragraph.domain.errors import InvalidInput, NotFound
from duragraph.domain.thread import Thread
from fakes import seeded, FixedClock, Graphs, RacingStore, event_names

GRAPHS = Graphs("agent")


@pytest.fixture
async def store() -> RacingStore:
    return await seeded(RacingStore(), GRAPHS)


async def hourly(store, **fields) -> str:
    cmd = CreateCron(assistant_id="agent", schedule="0 * * * *", cron_id="c1", **fields)
    return await create_cron(cmd, store, FixedClock(), GRAPHS)


def an_hour_later() -> FixedClock:
    clock = FixedClock()
    clock.advance(3600)
    return clock


async def test_a_cron_on_an_unknown_thread_or_with_a_bad_schedule_is_refused(store):
    with pytest.raises(NotFound):
        await hourly(store, thread_id="t9")
    with pytest.raises(InvalidInput):
        await create_cron(
            CreateCron(assistant_id="agent", schedule="every hour"), store, FixedClock(), GRAPHS
        )
    assert event_names(store, "cron-c1") == []


async def test_a_due_tick_creates_its_run_and_records_the_tick_in_one_transaction(store):
    await hourly(store, thread_id="t1", payload={"input": {"x": 1}})
    tick = await fire_cron("c1", store, an_hour_later(), GRAPHS)
    thread = await store.load(Thread, "t1")
    assert thread.run(tick.run_id).created.spec.input == {"x": 1}
    assert [e.type for e in store.log[-2:]] == ["run.created", "cron.fired"]
    assert store.log[-1].tx_id == store.log[-2].tx_id
    assert await fire_cron("c1", store, an_hour_later(), GRAPHS) is None  # fired once


async def test_of_two_schedulers_racing_on_one_tick_only_one_creates_a_run(store):
    await hourly(store, thread_id="t1")
    store.rival = lambda s: fire_cron("c1", s, an_hour_later(), GRAPHS)
    assert await fire_cron("c1", store, an_hour_later(), GRAPHS) is None
    assert len((await store.load(Thread, "t1")).runs) == 1
    assert event_names(store, "cron-c1") == ["cron.created", "cron.fired"]


async def test_a_tick_on_a_busy_thread_records_why_it_made_no_run(store):
    await hourly(store, thread_id="t1", payload={"multitask_strategy": "reject"})
    await create_run(CreateRun(assistant_id="agent", thread_id="t1"), store, FixedClock(), GRAPHS)
    tick = await fire_cron("c1", store, an_hour_later(), GRAPHS)
    assert tick.run_id is None and "busy" in tick.error
    assert (await store.load(Cron, "c1")).live


async def test_a_tick_whose_thread_is_gone_deletes_the_cron(store):
    await hourly(store, thread_id="t1")
    await delete_thread("t1", store, FixedClock())
    tick = await fire_cron("c1", store, an_hour_later(), GRAPHS)
    assert tick.run_id is None
    assert event_names(store, "cron-c1")[-2:] == ["cron.fired", "cron.deleted"]


async def test_a_new_schedule_moves_the_next_tick(store):
    await hourly(store)
    await update_cron("c1", {"schedule": "30 * * * *"}, store, FixedClock())
    assert (await store.load(Cron, "c1")).next_run_date.minute == 30
    with pytest.raises(InvalidInput):
        await update_cron("c1", {"schedule": "sometimes"}, store, FixedClock())
