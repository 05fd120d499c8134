"""Executes claimed runs: LangGraph does the work, DuraGraph keeps it durable.

A run is claimed under a new epoch, its lease is renewed while the graph runs
(leases.py), every checkpoint is written through the run-bound (fenced)
checkpointer (graph_run.py), stream chunks go to the run's NATS subject
(run_stream.py), and the outcome is recorded as an event, which waiters here
read without a query (results.py). Runs take slots (capacity.py).
Which runs it takes, and why one owner at a time: application/execution/placement.py.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Coroutine

from ...application.acting import acting_as, on_behalf_of_run
from ...application.execution.claim import Claim, ClaimRun, claim_run, fail_unschedulable
from ...application.execution.finish import FinishRun, finish_run
from ...domain.errors import Fenced, NotFound, Unschedulable
from ...domain.statuses import RunStatus
from ..outages import DATABASE_OUTAGES
from .capacity import RunSlots
from .deps import ExecutorDeps
from .graph_run import GraphOutcome, GraphRuns
from .leases import LeaseKeeper
from .results import RunResults
from .run_stream import RunStream

log = logging.getLogger(__name__)

_RESTART_TIMEOUT_S = 5.0  # how long a reload waits for the runs it stops


class Executor:
    def __init__(self, deps: ExecutorDeps) -> None:
        self.deps = deps
        self.slots = RunSlots(deps.max_active)
        self.results = RunResults()
        self.leases = LeaseKeeper(deps)
        self.graph_runs = GraphRuns(deps, restarting=self.leases.restarting)

    @property
    def worker_id(self) -> str:
        return self.deps.worker_id

    @property
    def lease_seconds(self) -> float:
        return self.deps.lease_seconds

    @property
    def active(self) -> dict[str, asyncio.Task[None]]:
        return self.slots.active

    @property
    def idle(self) -> asyncio.Event:
        """Set while no run executes here."""
        return self.slots.idle

    @property
    def room(self) -> asyncio.Event:
        """Set while a run slot is free."""
        return self.slots.room

    def has_capacity(self) -> bool:
        return self.slots.has_capacity()

    def hold_slot(self, run_id: str) -> bool:
        """Keep a slot for a run about to be created here (for a lease's
        length at most: one that never starts here gives it back)."""
        return self.slots.hold(run_id, self.lease_seconds)

    def release_slot(self, run_id: str) -> None:
        self.slots.unhold(run_id)

    def workers(self) -> dict[str, int]:
        return self.slots.workers()

    def submit(self, run_id: str, thread_id: str, *, hint: bool = False) -> None:
        """Try to claim and execute a run in the background (idempotent).
        A `hint` (a dispatch message) is ignored for a run handled here."""
        if run_id in self.active or (hint and self.slots.started_lately(run_id)):
            return
        self._track(run_id, self._execute(run_id, thread_id))

    def adopt(self, run_id: str, claim: Claim) -> None:
        """Execute a run this worker already claimed (at its creation)."""
        if not self.slots.started_lately(run_id):
            self._track(run_id, self._run_claimed(run_id, claim))

    def executing(self, run_id: str, thread_id: str) -> bool:
        return self.results.executing(run_id, thread_id)

    async def wait_local(self, run_id: str) -> tuple[bool, Any]:
        return await self.results.wait_local(run_id)

    def cancel(self, run_id: str) -> bool:
        return self.slots.cancel(run_id)

    async def drain(self, timeout: float) -> None:
        """Wait for running runs (graceful shutdown), then hand the rest back."""
        self.leases.draining = True
        await self.slots.drain(timeout)

    async def restart_runs(self) -> int:
        """Stop the runs executing here and claim them again (after a reload:
        they go on with the new code). Each resumes from its last committed
        step; the step in flight runs again. Returns how many were restarted."""
        # Only runs inside their graph: one stopped while it records its end
        # could lose that end.
        runs = dict(self.graph_runs.in_graph)
        self.leases.restart_on_stop(runs)
        for run_id in runs:
            self.active[run_id].cancel()
        # A node that swallows its cancellation carries on with the old code
        # rather than holding every later reload up.
        if runs:
            await asyncio.wait([self.active[run_id] for run_id in runs], timeout=_RESTART_TIMEOUT_S)
        self.leases.restarted(runs)
        restarted = [run_id for run_id in runs if run_id not in self.active]
        for run_id in restarted:
            self.submit(run_id, runs[run_id])
        return len(restarted)

    def _track(self, run_id: str, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work, name=f"run-{run_id}")
        self.results.watch(run_id, task)
        self.slots.take(run_id, task)

    async def _execute(self, run_id: str, thread_id: str) -> None:
        try:
            claim = await self._claim(run_id, thread_id)
        except Unschedulable as exc:
            await self._unschedulable(thread_id, exc)
            return
        except Exception:  # the sweep offers the run again
            log.exception("run %s: claim failed", run_id)
            return
        if claim is not None:
            await self._run_claimed(run_id, claim)

    async def _claim(self, run_id: str, thread_id: str) -> Claim | None:
        d = self.deps
        cmd = ClaimRun(
            run_id=run_id, thread_id=thread_id, worker_id=d.worker_id, lease_seconds=d.lease_seconds
        )
        claim = await claim_run(cmd, d.store, d.clock, lapsed_epoch=None)
        if claim is not None:
            return claim
        lapsed = await d.leases.lapsed_epoch(run_id)
        if lapsed is None:
            return None
        await d.leases.end_stuck_sessions(run_id, d.lease_seconds)
        return await claim_run(cmd, d.store, d.clock, lapsed_epoch=lapsed)

    async def _unschedulable(self, thread_id: str, exc: Unschedulable) -> None:
        """Fail it once, end its stream, and start what waited behind it."""
        d, stream = self.deps, RunStream(self.deps.streams, exc.run_id, thread_id)
        log.warning("%s; it fails", exc)
        try:
            nxt = await fail_unschedulable(exc.run_id, thread_id, exc.reason, d.store, d.clock)
            await stream.error("Unschedulable", exc.reason)
            await stream.end(RunStatus.error)
        except Exception:  # still pending: the sweep offers it again
            log.exception("run %s: could not fail it", exc.run_id)
            return
        if nxt:
            self.submit(nxt, thread_id)

    async def _run_claimed(self, run_id: str, claim: Claim) -> None:
        with self.results.executing_here(run_id, claim.thread.id):
            try:
                run = claim.run(run_id)
                with acting_as(on_behalf_of_run("executor", run["spec"])):
                    await self._run_owned(run, claim)
            except asyncio.CancelledError:
                raise
            except DATABASE_OUTAGES as exc:
                log.warning(
                    "run %s: database unavailable (%s: %s); it resumes once its lease lapses",
                    run_id,
                    type(exc).__name__,
                    exc,
                )
            except Exception:  # never let one run take the worker down
                log.exception("run %s: executor failure", run_id)

    async def _run_owned(self, run: dict[str, Any], claim: Claim) -> None:
        run_id, epoch = run["run_id"], claim.epoch
        stream = RunStream(self.deps.streams, run_id, run["thread_id"])
        renewer = self.leases.keep(run_id, epoch, asyncio.current_task())
        try:
            outcome = await self.graph_runs.run(
                run, epoch, claim.thread.starts_blank(run_id), stream
            )
        except (asyncio.CancelledError, Fenced):
            await self._stopped(run, epoch, stream)
            return
        finally:
            renewer.cancel()
        await self._finish(run, claim, outcome, stream)

    async def _stopped(self, run: dict[str, Any], epoch: int, stream: RunStream) -> None:
        """Stopped before its end; PostgreSQL says what that means."""
        d, run_id = self.deps, run["run_id"]
        row = await d.leases.standing(run_id)
        if row is None or row.status != RunStatus.running:
            await stream.end(RunStatus.interrupted)  # cancelled or deleted: its stream ends
        elif row.epoch == epoch and self.leases.hands_back(run_id):
            # shutting down or restarting it: hand it back now
            await self.leases.hand_back(run_id, epoch)
        # else a newer epoch owns it: that executor carries on and ends the stream

    async def _finish(
        self, run: dict[str, Any], claim: Claim, outcome: GraphOutcome, stream: RunStream
    ) -> None:
        d = self.deps
        try:
            nxt = await finish_run(
                FinishRun(
                    run_id=run["run_id"],
                    thread_id=run["thread_id"],
                    epoch=claim.epoch,
                    outcome=outcome.status,
                    values=outcome.values,
                    interrupts=outcome.interrupts,
                    error=outcome.error,
                    message=outcome.message,
                ),
                d.store,
                d.clock,
                claim.thread,
                outcome.along,
            )
        except (Fenced, NotFound):
            nxt = None
        else:
            self.results.remember(run["run_id"], run["thread_id"], outcome.result())
        await stream.end(outcome.status)
        if nxt:
            self.submit(nxt, run["thread_id"])
