"""Claiming a run for an executor: a new epoch and its lease, in one
transaction (see placement for when, by whom, and what that guarantees)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...domain.errors import Fenced, NotFound
from ...domain.run_spec import RunSpec
from ...domain.thread import Thread
from ..acting import acting_as, on_behalf_of_run
from ..commands.retry import on_conflict
from ..ports import Clock, EventStore, GrantLease


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimRun:
    run_id: str
    thread_id: str
    worker_id: str
    lease_seconds: float


@dataclass(frozen=True, slots=True)
class Claim:
    epoch: int
    thread: Thread  # kept by the executor: finishing needs no reload

    def run(self, run_id: str) -> dict[str, Any]:
        created = self.thread.run(run_id).created
        assert created is not None
        return {
            "run_id": created.run_id,
            "thread_id": created.thread_id,
            "assistant_id": created.assistant_id,
            "graph_id": created.graph_id,
            "spec": created.spec,
            "metadata": created.metadata,
            "temporary": created.temporary,
        }


@on_conflict()
async def claim_run(
    cmd: ClaimRun, store: EventStore, clock: Clock, lapsed_epoch: int | None
) -> Claim | None:
    """Start the run under a new epoch; None when it is not ours to start.
    The executor claims it for the run's caller; a lapsed lease's run is
    claimed back by recovery."""
    thread = await store.load(Thread, cmd.thread_id)
    if not thread.live:
        return None
    try:
        epoch = thread.start_run(
            cmd.run_id, worker_id=cmd.worker_id, lapsed_epoch=lapsed_epoch, now=clock.now()
        )
    except (Fenced, NotFound):
        return None
    lease = GrantLease(cmd.run_id, cmd.thread_id, epoch, cmd.worker_id, cmd.lease_seconds)
    claim, claimer = Claim(epoch, thread), "recovery" if lapsed_epoch is not None else "executor"
    with acting_as(on_behalf_of_run(claimer, claim.run(cmd.run_id)["spec"])):
        await store.save(thread, leases=[lease])
    return claim


@on_conflict()
async def fail_unschedulable(
    run_id: str, thread_id: str, reason: str, store: EventStore, clock: Clock
) -> str | None:
    """A run its claim found can never start (see Unschedulable) fails now,
    once; returns the next run waiting on the thread, if any."""
    thread = await store.load(Thread, thread_id)
    try:
        thread.fail_unschedulable(run_id, reason=reason, now=clock.now())
    except (Fenced, NotFound):  # another executor got there first
        return None
    created = thread.runs[run_id].created
    with acting_as(on_behalf_of_run("executor", created.spec if created else RunSpec())):
        await store.save(thread)
    nxt = thread.next_runnable()
    return nxt.run_id if nxt else None
