"""The thread aggregate: its metadata and the lifecycle of its runs.

Run lifecycle events live on the thread stream so that the rule "at most one
active run per thread" is decided by one aggregate under one version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar, Sequence

from .aggregate import Aggregate, Handlers
from .errors import (
    AlreadyExists,
    Fenced,
    InvalidInput,
    NotFound,
    NotInterrupted,
    RunAlreadyFinished,
    ThreadBusy,
    Unschedulable,
)
from . import events as ev
from .limits import duration
from .run_spec import RunSpec
from .statuses import ACTIVE, RunStatus, ThreadStatus

STRATEGIES = ("reject", "enqueue", "interrupt", "rollback")
TTL_STRATEGIES = PRUNE_STRATEGIES = ("delete", "keep_latest")


@dataclass(slots=True)
class RunState:
    run_id: str
    status: RunStatus = RunStatus.pending
    epoch: int = 0
    deleted: bool = False
    created: ev.RunCreated | None = None  # what to run: graph, input, options


class Thread(Aggregate):
    stream_prefix = "thread"
    kind = "thread"

    def __init__(self, ident: str) -> None:
        super().__init__(ident)
        self.metadata: dict[str, Any] = {}
        self.runs: dict[str, RunState] = {}  # insertion order = creation order
        self.last_outcome = ThreadStatus.idle
        self.values: Any = None  # as the thread projection shows them
        self.interrupts: dict[str, Any] = {}
        self.ttl: ev.ThreadTtlSet | None = None
        self.starts = 0  # RunStarted events, re-claims included
        self.state_written = False  # by an update, a copy, or a deleted earlier life
        # Runs stopped by an `interrupt` cancel since anything else changed the
        # thread's state: the last checkpoint of one may still settle it.
        self.unsettled: set[str] = set()

    # -- queries -------------------------------------------------------------
    def active_runs(self) -> list[RunState]:
        return [r for r in self.runs.values() if r.status in ACTIVE and not r.deleted]

    def run(self, run_id: str) -> RunState:
        found = self.runs.get(run_id)
        if found is None or found.deleted:
            raise NotFound("run", run_id)
        return found

    @property
    def graph_id(self) -> str | None:
        return self.metadata.get("graph_id")

    def ttl_due(self, now: datetime) -> bool:
        return (
            self.live
            and self.ttl is not None
            and not self.active_runs()
            and datetime.fromisoformat(self.ttl.expires_at) <= now
        )

    def starts_blank(self, run_id: str) -> bool:
        """Whether this run, claimed for the first time, is the first run
        ever started on the thread and nothing else wrote its state: it has
        no checkpoint to load."""
        run = self.runs.get(run_id)
        return run is not None and run.epoch == 1 and self.starts == 1 and not self.state_written

    def next_runnable(self) -> RunState | None:
        """The run an executor may start now: the oldest pending one, unless
        another run is running."""
        active = self.active_runs()
        if not active or active[0].status == RunStatus.running:
            return None
        return active[0]

    # -- commands ------------------------------------------------------------
    def create(self, *, metadata: dict[str, Any], now: datetime) -> None:
        self._record(ev.ThreadCreated(at=now, thread_id=self.id, metadata=metadata))

    def update(self, *, metadata: dict[str, Any], now: datetime) -> None:
        self._require_live()
        self._record(ev.ThreadUpdated(at=now, thread_id=self.id, metadata=metadata))

    def delete(self, *, now: datetime) -> None:
        self._require_live()
        for r in self.active_runs():
            self._stop(r.run_id, "interrupt", now)
        self._record(ev.ThreadDeleted(at=now, thread_id=self.id))

    def set_state(
        self,
        *,
        values: Any,
        interrupts: dict[str, Any],
        has_next: bool,
        checkpoint_id: str | None,
        now: datetime,
    ) -> None:
        """The state changed outside a run; pending tasks leave it interrupted."""
        self.require_idle()
        self._state_changed(values, interrupts, has_next, checkpoint_id, now)

    def settle_cancelled(
        self,
        run_id: str,
        *,
        values: Any,
        interrupts: dict[str, Any],
        has_next: bool,
        checkpoint_id: str | None,
        now: datetime,
    ) -> None:
        """As on the official server, a run an `interrupt` cancel stopped
        leaves the thread as its last checkpoint says: interrupted while tasks
        are pending. Unless another run or an update came since."""
        if run_id in self.unsettled and not self.active_runs():
            self._state_changed(values, interrupts, has_next, checkpoint_id, now)

    def _state_changed(
        self,
        values: Any,
        interrupts: dict[str, Any],
        has_next: bool,
        checkpoint_id: str | None,
        now: datetime,
    ) -> None:
        self._record(
            ev.ThreadStateUpdated(
                at=now,
                thread_id=self.id,
                values=values,
                interrupts=interrupts,
                status=ThreadStatus.interrupted if has_next else ThreadStatus.idle,
                checkpoint_id=checkpoint_id,
            )
        )

    def copy_to(self, target: "Thread", *, now: datetime) -> None:
        self.require_idle()
        if target.exists:
            raise AlreadyExists("thread", target.id)
        self._record(ev.ThreadCopied(at=now, thread_id=self.id, to_thread_id=target.id))
        target.create(metadata=self.metadata, now=now)
        target._record(
            ev.ThreadStateUpdated(
                at=now,
                thread_id=target.id,
                values=self.values,
                interrupts=self.interrupts,
                status=thread_status(self),
            )
        )

    def prune(self, *, now: datetime, expired: bool = False) -> None:
        """Keep only the latest checkpoints (the caller drops the others)."""
        self.require_idle()
        self._record(ev.ThreadPruned(at=now, thread_id=self.id, expired=expired))

    def set_ttl(self, *, strategy: str, minutes: Any, now: datetime) -> None:
        self._require_live()
        if strategy not in TTL_STRATEGIES:
            raise InvalidInput(f"ttl.strategy must be one of {', '.join(TTL_STRATEGIES)}")
        if isinstance(minutes, bool) or not isinstance(minutes, (int, float)) or minutes <= 0:
            raise InvalidInput("ttl.ttl must be a positive number of minutes")
        expires = now + duration("ttl.ttl", minutes, "minutes")
        self._record(
            ev.ThreadTtlSet(
                at=now,
                thread_id=self.id,
                strategy=strategy,
                ttl_minutes=float(minutes),
                expires_at=expires.isoformat(),
            )
        )

    def require_idle(self) -> None:
        self._require_live()
        if self.active_runs():
            raise ThreadBusy(self.id)

    def create_run(
        self,
        *,
        run_id: str,
        assistant_id: str,
        graph_id: str,
        spec: RunSpec,
        metadata: dict[str, Any],
        strategy: str,
        temporary: bool,
        now: datetime,
    ) -> None:
        self._require_live()
        if strategy not in STRATEGIES:
            raise InvalidInput(f"multitask_strategy must be one of {', '.join(STRATEGIES)}")
        active = self.active_runs()
        if active and strategy == "reject":
            raise ThreadBusy(self.id)
        if spec.resumes and not active and self.last_outcome != ThreadStatus.interrupted:
            raise NotInterrupted(self.id)
        run_delay(spec)  # a delay no clock can reach is refused, never stored
        if strategy in ("interrupt", "rollback"):
            for r in active:
                self._stop(r.run_id, strategy, now)
        self._record(
            ev.RunCreated(
                at=now,
                run_id=run_id,
                thread_id=self.id,
                assistant_id=assistant_id,
                graph_id=graph_id,
                spec=spec,
                metadata=metadata,
                multitask_strategy=strategy,
                temporary=temporary,
            )
        )

    def start_run(
        self, run_id: str, *, worker_id: str, lapsed_epoch: int | None, now: datetime
    ) -> int:
        """Claim a run for an executor; returns the new epoch. `lapsed_epoch`:
        for recovery, the epoch whose lease the claimer saw lapse; only that
        epoch is taken over, so of two claimers that saw one lapse the second
        cannot take the run from the first."""
        run = self.run(run_id)
        runnable = self.next_runnable()
        reclaim = run.status == RunStatus.running and lapsed_epoch == run.epoch
        if not reclaim and (runnable is None or runnable.run_id != run_id or not _due(run, now)):
            raise Fenced(run_id, run.epoch)
        epoch = run.epoch + 1
        self._record(
            ev.RunStarted(
                at=now, run_id=run_id, thread_id=self.id, epoch=epoch, worker_id=worker_id
            )
        )
        return epoch

    def finish_run(
        self,
        run_id: str,
        *,
        epoch: int,
        outcome: RunStatus,
        now: datetime,
        values: Any = None,
        interrupts: Any = None,
        error: str = "",
        message: str = "",
    ) -> None:
        run = self.run(run_id)
        if run.status != RunStatus.running or run.epoch != epoch:
            raise Fenced(run_id, epoch)
        base = dict(at=now, run_id=run_id, thread_id=self.id, epoch=epoch, values=values)
        if outcome == RunStatus.success:
            self._record(ev.RunSucceeded(**base))
        elif outcome == RunStatus.interrupted:
            self._record(ev.RunInterrupted(**base, interrupts=interrupts or {}))
        else:
            self._record(ev.RunFailed(**base, error=error, message=message))
        self._forget_if_done(run, now)

    def fail_unschedulable(self, run_id: str, *, reason: str, now: datetime) -> None:
        """A pending run that can never start fails at once, with the reason,
        so that the runs queued behind it go on."""
        run = self.run(run_id)
        if run.status != RunStatus.pending:
            raise Fenced(run_id, run.epoch)
        self._record(
            ev.RunFailed(
                at=now,
                run_id=run_id,
                thread_id=self.id,
                epoch=run.epoch,
                error="Unschedulable",
                message=reason,
            )
        )
        self._forget_if_done(run, now)

    def cancel_run(self, run_id: str, *, action: str, now: datetime) -> None:
        run = self.run(run_id)
        if run.status not in ACTIVE:
            raise RunAlreadyFinished(run_id, run.status)
        if action not in ("interrupt", "rollback"):
            raise InvalidInput("action must be 'interrupt' or 'rollback'")
        self._stop(run_id, action, now)
        self._forget_if_done(run, now)

    def cancel_runs(self, run_ids: Sequence[str], *, action: str, now: datetime) -> list[str]:
        """Cancel those still active (every one must exist); returns them."""
        self._require_live()
        active = [r for r in dict.fromkeys(run_ids) if self.run(r).status in ACTIVE]
        for run_id in active:
            self.cancel_run(run_id, action=action, now=now)
        return active

    def delete_run(self, run_id: str, *, now: datetime) -> None:
        run = self.run(run_id)
        if run.status in ACTIVE:
            raise InvalidInput(f"run '{run_id}' is still active; cancel it first")
        self._record(ev.RunDeleted(at=now, run_id=run_id, thread_id=self.id))

    def _require_live(self) -> None:
        if not self.live:
            raise NotFound("thread", self.id)

    def _forget_if_done(self, run: RunState, now: datetime) -> None:
        """A stateless run's temporary thread goes with the run's end, unless
        the run asked to keep it (`on_completion`) or another run waits on it."""
        created = run.created
        if (
            created is not None
            and created.temporary
            and not self.deleted
            and not self.active_runs()
            and created.spec.on_completion != "keep"
        ):
            self._record(ev.ThreadDeleted(at=now, thread_id=self.id))

    def _stop(self, run_id: str, action: str, now: datetime) -> None:
        """Cancel an active run; a rollback also erases it and its checkpoints."""
        self._record(ev.RunCancelled(at=now, run_id=run_id, thread_id=self.id, action=action))
        if action == "rollback":
            self._record(ev.CheckpointsDeleted(at=now, thread_id=self.id, run_ids=[run_id]))
            self._record(ev.RunDeleted(at=now, run_id=run_id, thread_id=self.id))

    # -- state transitions ---------------------------------------------------
    def _on_thread_created(self, e: ev.ThreadCreated) -> None:
        self.deleted, self.last_outcome = False, ThreadStatus.idle
        self.metadata = dict(e.metadata)

    def _on_thread_updated(self, e: ev.ThreadUpdated) -> None:
        self.metadata = {**self.metadata, **e.metadata}

    def _on_thread_deleted(self, e: ev.ThreadDeleted) -> None:
        self.deleted, self.state_written = True, True
        self.values, self.interrupts, self.ttl = None, {}, None
        self.unsettled.clear()

    def _on_thread_state_updated(self, e: ev.ThreadStateUpdated) -> None:
        self.values, self.interrupts = e.values, dict(e.interrupts or {})
        self.last_outcome, self.state_written = ThreadStatus(e.status), True
        self.unsettled.clear()

    def _on_thread_ttl_set(self, e: ev.ThreadTtlSet) -> None:
        self.ttl = e

    def _on_thread_pruned(self, e: ev.ThreadPruned) -> None:
        if e.expired:
            self.ttl = None

    def _on_run_created(self, e: ev.RunCreated) -> None:
        self.runs[e.run_id] = RunState(e.run_id, created=e)
        self.unsettled.clear()
        self.metadata = {**self.metadata, "graph_id": e.graph_id, "assistant_id": e.assistant_id}

    def _on_run_started(self, e: ev.RunStarted) -> None:
        run = self.runs[e.run_id]
        run.status, run.epoch = RunStatus.running, e.epoch
        self.starts += 1

    def _on_run_succeeded(self, e: ev.RunSucceeded) -> None:
        self._finish(e.run_id, RunStatus.success)
        self.values, self.interrupts = state_values(e.values), {}

    def _on_run_interrupted(self, e: ev.RunInterrupted) -> None:
        # As on the official server: the run did all it could and succeeded;
        # its thread waits on the interrupt.
        self._finish(e.run_id, RunStatus.success, thread_outcome=ThreadStatus.interrupted)
        self.values, self.interrupts = state_values(e.values), dict(e.interrupts or {})

    def _on_run_failed(self, e: ev.RunFailed) -> None:
        self._finish(e.run_id, RunStatus.error, thread_outcome=ThreadStatus.error)

    def _on_run_cancelled(self, e: ev.RunCancelled) -> None:
        unsettled = self.unsettled | ({e.run_id} if e.action == "interrupt" else set())
        self._finish(e.run_id, RunStatus.interrupted, thread_outcome=ThreadStatus.idle)
        self.unsettled = unsettled

    def _on_run_deleted(self, e: ev.RunDeleted) -> None:
        self.runs[e.run_id].deleted = True

    def _finish(
        self, run_id: str, status: RunStatus, thread_outcome: ThreadStatus = ThreadStatus.idle
    ) -> None:
        self.runs[run_id].status = status
        self.last_outcome = thread_outcome
        self.unsettled.clear()

    handlers: ClassVar[Handlers] = {
        ev.ThreadCreated: _on_thread_created,
        ev.ThreadUpdated: _on_thread_updated,
        ev.ThreadDeleted: _on_thread_deleted,
        ev.ThreadStateUpdated: _on_thread_state_updated,
        ev.ThreadTtlSet: _on_thread_ttl_set,
        ev.ThreadPruned: _on_thread_pruned,
        ev.RunCreated: _on_run_created,
        ev.RunStarted: _on_run_started,
        ev.RunSucceeded: _on_run_succeeded,
        ev.RunInterrupted: _on_run_interrupted,
        ev.RunFailed: _on_run_failed,
        ev.RunCancelled: _on_run_cancelled,
        ev.RunDeleted: _on_run_deleted,
    }
    # A copy changes the target thread, not this one; a rollback's checkpoint
    # deletion matters to the checkpoint projections only.
    ignored = (ev.ThreadCopied, ev.CheckpointsDeleted)


def state_values(values: Any) -> Any:
    """The last streamed chunk may carry `__interrupt__`; the thread's values
    are the graph state alone (the interrupts are kept apart)."""
    if isinstance(values, dict) and "__interrupt__" in values:
        return {k: v for k, v in values.items() if k != "__interrupt__"}
    return values


def run_delay(spec: RunSpec) -> timedelta:
    """A run created with `after_seconds` waits that long before it may start."""
    return duration("after_seconds", spec.after_seconds or 0, "seconds")


def _due(run: RunState, now: datetime) -> bool:
    if run.created is None:
        return True
    try:
        return now >= run.created.at + run_delay(run.created.spec)
    except (InvalidInput, OverflowError) as exc:
        raise Unschedulable(run.run_id, str(exc)) from None


def thread_status(thread: Thread) -> ThreadStatus:
    return ThreadStatus.busy if thread.active_runs() else thread.last_outcome
