"""Where a run executes: in the process that created it, or wherever NATS
dispatches it. This docstring is the one statement of that choice and of what
keeps it safe; the relay, dispatch, the worker and the executor point here.

Who claims a run
- The creator's executor, in the creating transaction. A process with an
  executor (`dev`; a `worker`, for the runs its graphs create through the
  in-process app) names it to `create_run` when it has a free slot
  (`executor_here`; `serve` has none). The run is claimed at once
  (`claim_at_creation`) if it is then the thread's next runnable run, is not
  delayed (`after_seconds`) and stops no other run (an interrupt or rollback
  of an active run leaves it pending). `run.started` (epoch 1) and the lease
  (GrantLease) commit with `run.created`; the creator then executes the
  returned Claim itself (`Executor.adopt`): no dispatch hop, no second commit.
- Otherwise the run is created pending and dispatched: the outbox relay
  publishes its `run.created`; the one durable JetStream consumer that every
  executor pulls from hands it to one of them (again after `ack_wait` if it
  is not acknowledged), which claims it (`claim_run`). A cron's run is created
  pending; the scheduler's process also offers it to its own executor at once
  when that has a free slot (bootstrap's `_start_here`).
- What NATS loses, PostgreSQL still knows: every `sweep_interval` each
  worker's recovery sweep (`Leases.runs_to_recover`) offers its executor,
  oldest first and while it has free slots, the runs pending for longer than
  that on a thread where nothing runs, and the running runs whose lease
  lapsed or is missing.

Why a run has one owner at a time
- A claim is an event on the thread's stream. `Thread.start_run` takes only
  the thread's next runnable run (pending, due, nothing running on the
  thread) or, for recovery, a running run whose lease lapsed, and gives it
  the next epoch. Two claimers of one run conflict on the stream's version;
  the one that reloads is refused. So a dispatch message or a sweep's offer
  for a run already claimed (at its creation or not) claims nothing while its
  lease is live.
- The lease commits with the claim: this worker, this epoch, for the lease's
  seconds. Its owner renews it every third of a lease while the graph runs;
  a renewal that finds no lease of its epoch stops the run there.
- Every database write of a run is fenced by its epoch: checkpoints and
  memory store writes call `duragraph_fence` (the run must still be running
  at that epoch), and `finish_run` is refused (Fenced) unless the run is
  still running at the claim's epoch. Only the current owner's writes
  commit, and the outcome commits once, releasing its epoch's lease
  (ReleaseLease) in its transaction.
- Owned once is not executed once: a run claimed again resumes from its last
  committed checkpoint, and the step in flight when its owner stopped runs
  again.

A run claimed at its creation is not dispatched
- The relay publishes a `run.created` whose `run.started` committed in the
  same transaction (`claimed_at_creation`) on `run.created.claimed`, which
  the dispatch consumer does not pull. A pair split across two relay rounds
  goes out on `run.created` and is dispatched: harmless, its claim is refused
  as above, and an executor ignores a dispatch message for a run it handled
  lately (`Executor.submit(..., hint=True)`).

When the executing process dies (the creator or any other)
- Its leases are no longer renewed and lapse after the lease's seconds (a
  death between the creating commit and `adopt` is the same case). The next
  sweep of a live worker offers the run; its executor finds the lease lapsed
  (`Leases.lapsed_epoch`), ends the transactions of the old owner stalled half-sent
  (`Leases.end_stuck_sessions`) and claims the run again under the next
  epoch; it resumes from its last checkpoint. The claim names the epoch whose
  lease it saw lapse (`Leases.lapsed_epoch`): two workers' sweeps that offer
  the same run claim it once, the later one is refused rather than taking the
  run over from the first. Should the old owner come back
  (frozen, not dead), its writes are fenced and its renewal fails: it stops.
- `dev` holds its data folder's lock, so at its start every lease left is a
  dead predecessor's: it lapses them all (`Leases.lapse_all`), and its first
  sweep resumes their runs instead of waiting the leases out.
- An executor that stops a run on purpose (shutting down, or restarting its
  runs after a reload) while it still owns it hands the lease back
  (`Leases.hand_back`): the next claim need not wait it out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Hashable, Iterable, Protocol, TypeVar

from ...domain.events import RunCreated, RunStarted
from ...domain.thread import Thread
from ..ports import GrantLease
from .claim import Claim

K = TypeVar("K", bound=Hashable)


class LocalExecutor(Protocol):
    """What placement asks of the executor running in this process."""

    @property
    def worker_id(self) -> str: ...

    @property
    def lease_seconds(self) -> float: ...

    def hold_slot(self, run_id: str) -> bool: ...


E = TypeVar("E", bound=LocalExecutor)


def executor_here(executor: E | None, run_id: str) -> E | None:
    """This process's executor, if it has a free slot, held for `run_id`: a
    run created (or a cron's run fired) here then starts here. The slot is
    held from now, so that runs created at once never outnumber the slots."""
    return executor if executor is not None and executor.hold_slot(run_id) else None


def claim_at_creation(
    thread: Thread,
    run_id: str,
    *,
    worker_id: str | None,
    lease_seconds: float,
    delayed: bool,
    stops_others: bool,
    now: datetime,
) -> tuple[Claim, GrantLease] | None:
    """Start the run just decided on `thread` (its events still pending) for
    the creator's executor `worker_id`, when placement lets it; the claim and
    the lease to commit with the run. None: the run is dispatched."""
    runnable = thread.next_runnable()
    if (
        worker_id is None
        or delayed
        or stops_others
        or runnable is None
        or runnable.run_id != run_id
    ):
        return None
    epoch = thread.start_run(run_id, worker_id=worker_id, lapsed_epoch=None, now=now)
    return Claim(epoch, thread), GrantLease(run_id, thread.id, epoch, worker_id, lease_seconds)


def claimed_at_creation(events: Iterable[tuple[K, Any, str, Any]]) -> set[K]:
    """Of events about to be relayed, as (key, transaction id, type, run id):
    the keys of the `run.created` whose `run.started` is among them, from
    the same transaction. Those runs have their executor."""
    events = list(events)
    started = {(tx, run) for _, tx, type_, run in events if type_ == RunStarted.name}
    return {
        key for key, tx, type_, run in events if type_ == RunCreated.name and (tx, run) in started
    }
