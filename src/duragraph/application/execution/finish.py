"""Finishing a run: its outcome, fenced by the claim's epoch, commits with the
release of that epoch's lease (and the run's last checkpoints)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from ...domain.errors import ConcurrencyConflict
from ...domain.statuses import RunStatus
from ...domain.thread import Thread
from ..commands.retry import retry_on_conflict
from ..ports import Clock, EventStore, Fence, ReleaseLease, StreamAppend


@dataclass(frozen=True, slots=True, kw_only=True)
class FinishRun:
    run_id: str
    thread_id: str
    epoch: int
    outcome: RunStatus  # success | interrupted | error
    values: Any = None
    interrupts: Any = None
    error: str = ""
    message: str = ""


@dataclass(frozen=True, slots=True)
class RideAlong:
    """The run's last uncommitted checkpoints, committed with its outcome."""

    batches: Sequence[StreamAppend] = ()
    fence: Fence | None = None


async def finish_run(
    cmd: FinishRun,
    store: EventStore,
    clock: Clock,
    thread: Thread | None = None,
    along: RideAlong = RideAlong(),
    attempts: int = 8,
) -> str | None:
    """Record the outcome; returns the next run waiting on the thread, if any.
    `thread` is the claimer's aggregate, reloaded only if another writer moved it."""
    claimed = [thread] if thread else []

    async def attempt() -> str | None:
        current = claimed.pop() if claimed else await store.load(Thread, cmd.thread_id)
        return await _record_outcome(cmd, current, store, clock, along)

    return await retry_on_conflict(attempt, attempts)


async def _record_outcome(
    cmd: FinishRun, thread: Thread, store: EventStore, clock: Clock, along: RideAlong
) -> str | None:
    thread.finish_run(
        cmd.run_id,
        epoch=cmd.epoch,
        outcome=cmd.outcome,
        now=clock.now(),
        values=cmd.values,
        interrupts=cmd.interrupts,
        error=cmd.error,
        message=cmd.message,
    )
    release = ReleaseLease(cmd.run_id, cmd.epoch)
    try:
        await store.save(thread, leases=[release], extra=along.batches, fence=along.fence)
    except ConcurrencyConflict:
        thread.pending.clear()
        raise
    nxt = thread.next_runnable()
    return nxt.run_id if nxt else None
