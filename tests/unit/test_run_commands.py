"""Run command handlers decide on the in-memory event store: no PostgreSQL.
(Claiming and finishing a run, which commit lease changes with their events,
are tested in test_execution_commands.py.)"""

import pytest

from duragraph.application.commands.assistants import (
    default_assistant_id,
    delete_assistant,
)
from duragraph.application.commands.runs import (
    CreateRun,
    cancel_run,
    create_run,
    create_stateless_runs,
    delete_run,
)
from duragraph.application.execution.claim import ClaimRun, claim_run, fail_unschedulable
from duragraph.domain.errors import (
    InvalidInput,
    NotFound,
    NotInterrupted,
    RunAlreadyFinished,
    ThreadBusy,
)
from duragraph.domain.run_spec import RunCommand, RunSpec
from duragraph.domain.thread import Thread
from duragraph.infrastructure.inprocess.event_store import MemoryEventStore
from fakes import seeded, FixedClock, Graphs, event_names

GRAPHS = Graphs("agent")
AGENT = default_assistant_id("agent")


@pytest.fixture
async def store() -> MemoryEventStore:
    return await seeded(MemoryEventStore(), GRAPHS, config={"configurable": {"model": "a"}})


async def run(store, run_id: str, strategy: str = "reject", **kwargs):
    cmd = CreateRun(
        assistant_id="agent",
        thread_id=kwargs.pop("thread_id", "t1"),
        run_id=run_id,
        multitask_strategy=strategy,
        **kwargs,
    )
    return await create_run(cmd, store, FixedClock(), GRAPHS)


async def statuses(store, thread_id: str = "t1") -> dict[str, str]:
    thread = await store.load(Thread, thread_id)
    return {r.run_id: "deleted" if r.deleted else r.status for r in thread.runs.values()}


async def finish(store, run_id: str, outcome: str = "success") -> None:
    """What an executor records (without its lease)."""
    thread = await store.load(Thread, "t1")
    epoch = thread.start_run(run_id, worker_id="w", lapsed_epoch=None, now=FixedClock().now())
    thread.finish_run(run_id, epoch=epoch, outcome=outcome, now=FixedClock().now())
    await store.save(thread)


async def test_a_run_on_an_idle_thread_is_pending_with_its_assistants_config(store):
    created = await run(store, "r1", spec=RunSpec(config={"configurable": {"user": "u"}}))
    assert (created.status, created.thread_id) == ("pending", "t1")
    assert created.spec.spec.configurable == {"model": "a", "user": "u"}
    assert await statuses(store) == {"r1": "pending"}


async def test_a_second_run_on_a_busy_thread_is_rejected_and_writes_nothing(store):
    await run(store, "r1")
    before = len(store.log)
    with pytest.raises(ThreadBusy):
        await run(store, "r2")
    assert len(store.log) == before


async def test_an_enqueued_run_waits_behind_the_active_one(store):
    await run(store, "r1")
    await run(store, "r2", "enqueue")
    assert await statuses(store) == {"r1": "pending", "r2": "pending"}
    assert (await store.load(Thread, "t1")).next_runnable().run_id == "r1"


async def test_an_interrupting_run_cancels_the_active_one_in_the_same_transaction(store):
    await run(store, "r1")
    await run(store, "r2", "interrupt")
    assert event_names(store, "thread-t1")[-2:] == ["run.cancelled", "run.created"]
    assert store.log[-1].tx_id == store.log[-2].tx_id
    assert await statuses(store) == {"r1": "interrupted", "r2": "pending"}


async def test_a_rolling_back_run_erases_the_active_one_and_its_checkpoints(store):
    await run(store, "r1")
    await run(store, "r2", "rollback")
    assert event_names(store, "thread-t1")[-4:] == [
        "run.cancelled",
        "checkpoint.deleted",
        "run.deleted",
        "run.created",
    ]
    assert await statuses(store) == {"r1": "deleted", "r2": "pending"}


async def test_an_unknown_strategy_is_invalid(store):
    with pytest.raises(InvalidInput):
        await run(store, "r1", "replace")


async def test_a_run_on_an_unknown_thread_is_not_found_unless_it_may_create_it(store):
    with pytest.raises(NotFound):
        await run(store, "r1", thread_id="t9")
    await run(store, "r1", thread_id="t9", if_not_exists="create", metadata={"owner": "o"})
    thread = await store.load(Thread, "t9")
    assert thread.metadata == {"owner": "o", "graph_id": "agent", "assistant_id": AGENT}


async def test_a_run_of_a_deleted_assistant_is_not_found(store):
    await delete_assistant(AGENT, store, FixedClock())
    with pytest.raises(NotFound):
        await run(store, "r1")


async def test_resuming_a_thread_that_is_not_interrupted_is_refused(store):
    with pytest.raises(NotInterrupted):
        await run(store, "r1", spec=RunSpec(command=RunCommand(resume="yes")))


async def test_stateless_runs_are_created_all_or_none(store):
    ok = CreateRun(assistant_id="agent", run_id="s1")
    bad = CreateRun(assistant_id="agent", run_id="s2", multitask_strategy="replace")
    before = len(store.log)
    with pytest.raises(InvalidInput):
        await create_stateless_runs([ok, bad], store, FixedClock(), GRAPHS)
    assert len(store.log) == before
    (created,) = await create_stateless_runs([ok], store, FixedClock(), GRAPHS)
    assert event_names(store, f"thread-{created.thread_id}") == ["thread.created", "run.created"]


async def test_cancelling_a_finished_run_is_refused_and_an_active_one_is_cancelled(store):
    await run(store, "r1")
    await finish(store, "r1")
    with pytest.raises(RunAlreadyFinished):
        await cancel_run("t1", "r1", "interrupt", store, FixedClock())
    await run(store, "r2")
    await cancel_run("t1", "r2", "interrupt", store, FixedClock())
    assert await statuses(store) == {"r1": "success", "r2": "interrupted"}


async def test_an_active_run_cannot_be_deleted_a_finished_one_can(store):
    await run(store, "r1")
    with pytest.raises(InvalidInput):
        await delete_run("t1", "r1", store, FixedClock())
    await finish(store, "r1", "error")
    await delete_run("t1", "r1", store, FixedClock())
    with pytest.raises(NotFound):
        (await store.load(Thread, "t1")).run("r1")


async def test_a_run_queued_behind_another_is_not_claimed_and_nothing_is_written(store):
    await run(store, "r1")
    await run(store, "r2", "enqueue")
    before = len(store.log)
    claim = ClaimRun(run_id="r2", thread_id="t1", worker_id="w", lease_seconds=10)
    assert await claim_run(claim, store, FixedClock(), lapsed_epoch=None) is None
    assert len(store.log) == before


async def test_an_unschedulable_run_fails_and_hands_the_thread_to_the_next(store):
    await run(store, "r1")
    await run(store, "r2", "enqueue")
    nxt = await fail_unschedulable("r1", "t1", "bad delay", store, FixedClock())
    assert nxt == "r2"
    assert (await statuses(store))["r1"] == "error"
    assert await fail_unschedulable("r1", "t1", "again", store, FixedClock()) is None
