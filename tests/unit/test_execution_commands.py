"""Claiming and finishing runs on the in-memory event store, whose lease table
takes the lease changes they commit with their events (see
application/execution/placement.py for what these guarantee)."""

import asyncio

import pytest

from duragraph.application.commands.runs import CreateRun, create_run
from duragraph.application.commands.threads import CreateThread, create_thread
from duragraph.application.execution.claim import ClaimRun, claim_run
from duragraph.application.execution.finish import FinishRun, finish_run
from duragraph.application.execution.placement import claimed_at_creation, executor_here
from duragraph.infrastructure.executor.capacity import RunSlots
from duragraph.application.ports import GrantLease
from duragraph.domain.errors import Fenced
from duragraph.domain.run_spec import RunSpec
from duragraph.domain.statuses import RunStatus
from duragraph.domain.thread import Thread
from duragraph.infrastructure.inprocess.event_store import MemoryEventStore
from fakes import seeded, FixedClock, Graphs, event_names

GRAPHS = Graphs("agent")


@pytest.fixture
async def store() -> MemoryEventStore:
    return await seeded(MemoryEventStore(), GRAPHS)


async def run(store, run_id: str, strategy: str = "enqueue", **kwargs):
    cmd = CreateRun(
        assistant_id="agent", thread_id="t1", run_id=run_id, multitask_strategy=strategy, **kwargs
    )
    return await create_run(cmd, store, FixedClock(), GRAPHS)


async def claim(store, run_id: str, worker_id: str = "w1", lapsed: int | None = None):
    """`lapsed`: the epoch whose lease the claimer saw lapse (recovery)."""
    cmd = ClaimRun(run_id=run_id, thread_id="t1", worker_id=worker_id, lease_seconds=10)
    return await claim_run(cmd, store, FixedClock(), lapsed_epoch=lapsed)


async def finish(store, run_id: str, epoch: int) -> str | None:
    cmd = FinishRun(
        run_id=run_id, thread_id="t1", epoch=epoch, outcome=RunStatus.success, values={"done": True}
    )
    return await finish_run(cmd, store, FixedClock())


async def status(store, run_id: str) -> str:
    return (await store.load(Thread, "t1")).run(run_id).status


async def test_a_run_claimed_at_its_creation_starts_in_the_same_transaction_with_its_lease(store):
    created = await run(store, "r1", claim_for="here", lease_seconds=5.0)
    assert (created.status, created.claim and created.claim.epoch) == (RunStatus.running, 1)
    assert store.leases == {"r1": GrantLease("r1", "t1", 1, "here", 5.0)}
    assert event_names(store, "thread-t1")[-2:] == ["run.created", "run.started"]
    assert store.log[-1].tx_id == store.log[-2].tx_id


async def test_a_run_queued_delayed_or_stopping_others_is_not_claimed_at_its_creation(store):
    await run(store, "r1", claim_for="here")
    queued = await run(store, "r2", claim_for="here")
    interrupting = await run(store, "r3", "interrupt", claim_for="here")
    assert (queued.status, interrupting.status) == (RunStatus.pending, RunStatus.pending)
    await create_thread(CreateThread(thread_id="t2"), store, FixedClock())
    delayed = await create_run(
        CreateRun(
            assistant_id="agent", thread_id="t2", spec=RunSpec(after_seconds=5), claim_for="here"
        ),
        store,
        FixedClock(),
        GRAPHS,
    )
    assert delayed.status == RunStatus.pending
    assert list(store.leases) == ["r1"]


async def test_a_claim_starts_the_run_under_a_new_epoch_with_its_lease(store):
    await run(store, "r1")
    first = await claim(store, "r1")
    assert first is not None and first.epoch == 1
    assert store.leases["r1"] == GrantLease("r1", "t1", 1, "w1", 10)
    assert await claim(store, "r1", "w2") is None  # its lease is live: not ours
    again = await claim(store, "r1", "w2", lapsed=1)  # recovery
    assert again is not None and again.epoch == 2
    assert (store.leases["r1"].epoch, store.leases["r1"].worker_id) == (2, "w2")


async def test_two_recoveries_of_one_lapsed_lease_claim_the_run_once(store):
    # Two workers' sweeps saw the lease of epoch 1 lapse; the later claim
    # must not take the run from the earlier one (its step would run twice).
    await run(store, "r1")
    await claim(store, "r1")
    first = await claim(store, "r1", "w2", lapsed=1)
    assert first is not None and first.epoch == 2
    assert await claim(store, "r1", "w3", lapsed=1) is None
    assert (store.leases["r1"].epoch, store.leases["r1"].worker_id) == (2, "w2")


async def test_finishing_records_the_outcome_and_releases_the_lease(store):
    await run(store, "r1")
    await run(store, "r2")
    claimed = await claim(store, "r1")
    assert await finish(store, "r1", claimed.epoch) == "r2"  # the next run waiting
    assert await status(store, "r1") == RunStatus.success
    assert store.leases == {}


async def test_a_stale_epochs_finish_is_fenced_and_leaves_the_new_owners_lease(store):
    await run(store, "r1")
    stale = await claim(store, "r1")
    await claim(store, "r1", "w2", lapsed=1)
    before = len(store.log)
    with pytest.raises(Fenced):
        await finish(store, "r1", stale.epoch)
    assert (len(store.log), await status(store, "r1")) == (before, RunStatus.running)
    assert store.leases["r1"].epoch == 2


async def test_a_run_claimed_at_creation_finishes_on_the_claimers_thread(store):
    created = await run(store, "r1", claim_for="here")
    cmd = FinishRun(
        run_id="r1",
        thread_id="t1",
        epoch=created.claim.epoch,
        outcome=RunStatus.error,
        error="E",
        message="m",
    )
    assert await finish_run(cmd, store, FixedClock(), created.claim.thread) is None
    assert (await status(store, "r1"), store.leases) == (RunStatus.error, {})


def test_only_a_run_created_with_its_start_in_one_transaction_counts_as_claimed() -> None:
    events = [
        (1, "tx1", "run.created", "a"),
        (2, "tx1", "run.started", "a"),
        (3, "tx2", "run.created", "b"),
        (4, "tx3", "run.started", "b"),
        (5, "tx4", "run.created", "c"),
    ]
    assert claimed_at_creation(events) == {1}


class _Executor:
    worker_id, lease_seconds = "w", 10.0

    def __init__(self, free: bool) -> None:
        self.free = free

    def hold_slot(self, run_id: str) -> bool:
        return self.free


def test_a_run_is_placed_here_only_with_an_executor_that_has_a_free_slot() -> None:
    here = _Executor(free=True)
    assert executor_here(here, "r1") is here
    assert executor_here(_Executor(free=False), "r1") is None
    assert executor_here(None, "r1") is None


async def test_slots_held_for_runs_being_created_count_until_they_start() -> None:
    slots = RunSlots(2)
    assert slots.hold("a", 10) and slots.hold("b", 10)
    assert not slots.hold("c", 10) and not slots.room.is_set()  # two creations at once took both
    started = asyncio.get_running_loop().create_future()
    slots.take("a", started)  # "a" starts: its hold becomes its slot
    assert not slots.has_capacity()
    slots.unhold("b")  # "b" was dispatched elsewhere
    assert slots.has_capacity() and slots.room.is_set()


def test_a_slot_held_for_a_run_that_never_starts_here_comes_back() -> None:
    slots = RunSlots(1)
    assert slots.hold("a", 0.0)
    assert slots.has_capacity()  # its deadline has passed
