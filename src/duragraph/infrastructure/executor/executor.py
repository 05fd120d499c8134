"""Executes claimed runs: LangGraph does the work, DuraGraph keeps it durable.

A run is claimed under a new epoch, its lease is renewed while the graph runs,
every checkpoint is written through the run-bound (fenced) checkpointer, stream
chunks go to the run's NATS subject, and the outcome is recorded as an event.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any, Callable

import psycopg
from psycopg_pool import PoolTimeout

from ...application.acting import acting_as, on_behalf_of_run
from ...application.commands.runs import (
    Claim, ClaimRun, FinishRun, RideAlong, claim_run, fail_unschedulable, finish_run,
)
from ...application.ports import Clock, Database, EventStore
from ...application.queries.outcomes import error_result, values_result
from ...application.queries.runs import lease_lapsed
from ...domain.errors import Fenced, NotFound, Unschedulable
from ...domain.run_spec import RunSpec
from ...domain.statuses import RunStatus
from ..outages import warn_retrying
from ..postgres.checkpoints.checkpointer import EventStoreCheckpointer
from ..postgres.stuck_sessions import end_stuck_sessions
from ..memory_store.base_store import EventSourcedStore
from ..graphs.failure import public_error
from ..graphs.graph_stream import graph_chunks
from ..graphs.message_ids import give_message_ids
from ..graphs.interrupts import task_interrupts
from ..graphs.messages_mode import MessageAccumulator
from ..graphs.registry import GraphRegistry, with_persistence
from ..graphs.run_input import build_config, build_input, stream_options
from ..graphs.serialization import dumps, to_jsonable
from ..graphs.stream_modes import event_name, graph_modes, requested_modes, shaped

log = logging.getLogger(__name__)


@dataclass(slots=True)
class ExecutorDeps:
    store: EventStore
    db: Database
    clock: Clock
    checkpointer: EventStoreCheckpointer
    graphs: GraphRegistry
    streams: Any  # infrastructure.nats.run_streams.RunStreams
    worker_id: str
    lease_seconds: float = 10.0
    max_active: int = 64
    memory_store: EventSourcedStore | None = None  # get_store() / `store` in nodes
    server_metadata: dict[str, Any] = field(default_factory=dict)  # see run_metadata.py


@dataclass(slots=True)
class GraphOutcome:
    """How the graph ended, before finish_run records it (as an Outcome)."""
    status: RunStatus  # success | interrupted | error
    values: Any = None
    interrupts: Any = None
    error: str = ""
    message: str = ""
    along: RideAlong = field(default_factory=RideAlong)

    def result(self) -> Any:
        """What runs.wait / join return (as Outcome.result reads it back)."""
        if self.status == RunStatus.error:
            return error_result(self.error, self.message)
        return values_result(self.values)


# PostgreSQL out of reach is not the graph failing: the run must not be
# recorded as failed (it resumes from its last checkpoint once its lease lapses).
_UNAVAILABLE = (psycopg.OperationalError, PoolTimeout)

_RUN_KEYS = ("run_id", "thread_id", "graph_id")  # what a failure's log record carries
_RECENT_OUTCOMES = 64  # results can be large: a short memory
_STOPPED = object()
_RESTART_TIMEOUT_S = 5.0  # a run that stopped here without an outcome of its own


def _settle(future: asyncio.Future | None, result: Any) -> None:
    if future is not None and not future.done():
        future.set_result(result)


def _frames(mode: str, chunk: Any, api_modes: list[str], namespace: tuple[str, ...],
            accumulator: MessageAccumulator | None) -> list[tuple[str, Any]]:
    """The (SSE event, payload) pairs one LangGraph chunk becomes."""
    out = [(name, shaped(mode, chunk)) for name in event_name(mode, api_modes, namespace)]
    if mode == "messages" and accumulator is not None:
        suffix = f"|{'|'.join(namespace)}" if namespace else ""
        out += [(name + suffix, payload) for name, payload in accumulator.feed(chunk)]
    return out


class Executor:
    def __init__(self, deps: ExecutorDeps) -> None:
        self.deps = deps
        self.active: dict[str, asyncio.Task[None]] = {}
        # Runs this process started recently: their dispatch messages arrive
        # after the fact and need no claim attempt (a bounded memory).
        self._handled: dict[str, None] = {}
        self._finished: dict[str, asyncio.Future] = {}  # resolved with the run's result
        self._claimed: dict[str, str] = {}  # run id -> thread id, while it executes here
        # Outcomes committed here lately (run id -> thread id, result): a join
        # that arrives just after the end needs no query.
        self._recent: dict[str, tuple[str, Any]] = {}
        self._draining = False
        self._in_graph: dict[str, str] = {}  # run id -> thread id, while its graph runs
        self._handing_back: set[str] = set()  # runs stopped to be claimed again at once
        self.idle = asyncio.Event()  # set while no run executes here
        self.idle.set()

    @property
    def worker_id(self) -> str:
        return self.deps.worker_id

    @property
    def lease_seconds(self) -> float:
        return self.deps.lease_seconds

    def has_capacity(self) -> bool:
        return len(self.active) < self.deps.max_active

    def workers(self) -> dict[str, int]:
        """Run slots, as the official server reports its workers in /metrics."""
        active = len(self.active)
        return {"max": self.deps.max_active, "active": active,
                "available": max(self.deps.max_active - active, 0)}

    def submit(self, run_id: str, thread_id: str, *, hint: bool = False) -> None:
        """Try to claim and execute a run in the background (idempotent).
        A `hint` (a dispatch message) is ignored for a run handled here."""
        if run_id in self.active or (hint and run_id in self._handled):
            return
        self._track(run_id, self._execute(run_id, thread_id))

    def adopt(self, run_id: str, claim: Claim) -> None:
        """Execute a run this worker already claimed (at its creation)."""
        if run_id not in self._handled:
            self._track(run_id, self._run_claimed(run_id, claim))

    def executing(self, run_id: str, thread_id: str) -> bool:
        """Whether this worker executes that run of that thread, or committed
        its outcome lately: the run exists, no need to ask PostgreSQL."""
        recent = self._recent.get(run_id)
        return self._claimed.get(run_id) == thread_id or (
            recent is not None and recent[0] == thread_id)

    async def wait_local(self, run_id: str) -> tuple[bool, Any]:
        """For a run executing or lately finished here: (True, its result) once
        its outcome is committed; (False, None) if it is not ours or stopped
        without one."""
        if run_id in self._recent:
            return True, self._recent[run_id][1]
        finished = self._finished.get(run_id)
        if finished is None:
            return False, None
        result = await asyncio.shield(finished)
        return (result is not _STOPPED), (None if result is _STOPPED else result)

    def _track(self, run_id: str, work: Any) -> None:
        task = asyncio.create_task(work, name=f"run-{run_id}")
        finished = self._finished[run_id] = asyncio.get_running_loop().create_future()
        task.add_done_callback(lambda _: _settle(finished, _STOPPED))
        task.add_done_callback(lambda _: self._finished.pop(run_id, None))
        self.active[run_id] = task
        self.idle.clear()
        self._handled[run_id] = None
        if len(self._handled) > 10_000:
            del self._handled[next(iter(self._handled))]
        task.add_done_callback(lambda _: self._done(run_id))

    def _done(self, run_id: str) -> None:
        self.active.pop(run_id, None)
        if not self.active:
            self.idle.set()

    def cancel(self, run_id: str) -> bool:
        task = self.active.get(run_id)
        if task is None:
            return False
        task.cancel()
        return True

    async def drain(self, timeout: float) -> None:
        """Wait for running runs (graceful shutdown), then hand the rest back."""
        self._draining = True
        tasks = list(self.active.values())
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=timeout)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    async def restart_runs(self) -> int:
        """Stop the runs executing here and claim them again (after a reload:
        they go on with the new code). Each resumes from its last committed
        step; the step in flight runs again. Returns how many were restarted."""
        # Only runs inside their graph: one stopped while it records its end
        # could lose that end.
        runs = dict(self._in_graph)
        self._handing_back.update(runs)
        for run_id in runs:
            self.active[run_id].cancel()
        # A node that swallows its cancellation carries on with the old code
        # rather than holding every later reload up.
        if runs:
            await asyncio.wait([self.active[run_id] for run_id in runs],
                               timeout=_RESTART_TIMEOUT_S)
        self._handing_back.difference_update(runs)
        restarted = [run_id for run_id in runs if run_id not in self.active]
        for run_id in restarted:
            self.submit(run_id, runs[run_id])
        return len(restarted)

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

    async def _unschedulable(self, thread_id: str, exc: Unschedulable) -> None:
        """Fail it once, end its stream, and start what waited behind it."""
        d = self.deps
        log.warning("%s; it fails", exc)
        try:
            nxt = await fail_unschedulable(exc.run_id, thread_id, exc.reason, d.store, d.clock)
            await d.streams.publish(exc.run_id, "error", dumps(
                {"error": "Unschedulable", "message": exc.reason}), thread_id=thread_id)
            await d.streams.publish_end(exc.run_id, RunStatus.error, thread_id=thread_id)
        except Exception:  # still pending: the sweep offers it again
            log.exception("run %s: could not fail it", exc.run_id)
            return
        if nxt:
            self.submit(nxt, thread_id)

    async def _run_claimed(self, run_id: str, claim: Claim) -> None:
        self._claimed[run_id] = claim.thread.id
        try:
            run = claim.run(run_id)
            with acting_as(on_behalf_of_run("executor", run["spec"])):
                await self._run_owned(run, claim)
        except asyncio.CancelledError:
            raise
        except _UNAVAILABLE as exc:
            log.warning("run %s: database unavailable (%s: %s); it resumes once its lease "
                        "lapses", run_id, type(exc).__name__, exc)
        except Exception:  # never let one run take the worker down
            log.exception("run %s: executor failure", run_id)
        finally:
            self._claimed.pop(run_id, None)

    async def _claim(self, run_id: str, thread_id: str) -> Claim | None:
        d = self.deps
        cmd = ClaimRun(run_id=run_id, thread_id=thread_id, worker_id=d.worker_id,
                       lease_seconds=d.lease_seconds)
        claim = await claim_run(cmd, d.store, d.clock, lease_lapsed=False)
        if claim is None and await lease_lapsed(d.db, run_id):
            await end_stuck_sessions(d.db, run_id, d.lease_seconds)
            claim = await claim_run(cmd, d.store, d.clock, lease_lapsed=True)
        return claim

    async def _run_owned(self, run: dict[str, Any], claim: Claim) -> None:
        run_id, epoch = run["run_id"], claim.epoch
        work = asyncio.current_task()
        renewer = asyncio.create_task(self._renew_lease(run_id, epoch, work))
        try:
            outcome = await self._run_graph(run, epoch, claim.thread.starts_blank(run_id))
        except (asyncio.CancelledError, Fenced):
            await self._stopped(run, epoch)
            return
        finally:
            renewer.cancel()
        await self._finish(run, claim, outcome)

    async def _stopped(self, run: dict[str, Any], epoch: int) -> None:
        """Stopped before its end; PostgreSQL says what that means."""
        d, run_id = self.deps, run["run_id"]
        row = await d.db.fetchone("SELECT status, epoch FROM runs WHERE run_id=%s", (run_id,))
        if row is None or row["status"] != RunStatus.running:  # cancelled or deleted: its stream ends
            await d.streams.publish_end(run_id, RunStatus.interrupted, thread_id=run["thread_id"])
        elif row["epoch"] == epoch and (self._draining or run_id in self._handing_back):
            # shutting down or restarting it: hand it back now
            await d.db.execute("UPDATE leases SET expires_at = now() "
                               "WHERE run_id=%s AND epoch=%s", (run_id, epoch))
        # else a newer epoch owns it: that executor carries on and ends the stream

    async def _finish(self, run: dict[str, Any], claim: Claim, outcome: GraphOutcome) -> None:
        d = self.deps
        try:
            nxt = await finish_run(FinishRun(
                run_id=run["run_id"], thread_id=run["thread_id"], epoch=claim.epoch,
                outcome=outcome.status, values=outcome.values, interrupts=outcome.interrupts,
                error=outcome.error, message=outcome.message), d.store, d.clock, claim.thread,
                outcome.along)
        except (Fenced, NotFound):
            nxt = None
        else:
            self._remember(run["run_id"], run["thread_id"], outcome.result())
        await d.streams.publish_end(run["run_id"], outcome.status, thread_id=run["thread_id"])
        if nxt:
            self.submit(nxt, run["thread_id"])

    def _remember(self, run_id: str, thread_id: str, result: Any) -> None:
        _settle(self._finished.get(run_id), result)
        self._recent[run_id] = (thread_id, result)
        if len(self._recent) > _RECENT_OUTCOMES:
            del self._recent[next(iter(self._recent))]

    async def _renew_lease(self, run_id: str, epoch: int, work: asyncio.Task | None) -> None:
        interval = self.deps.lease_seconds / 3
        while True:
            await asyncio.sleep(interval)
            try:
                renewed = await self.deps.db.execute(
                    "UPDATE leases SET expires_at = now() + make_interval(secs => %s) "
                    "WHERE run_id=%s AND epoch=%s",
                    (self.deps.lease_seconds, run_id, epoch))
            except Exception as exc:
                warn_retrying(log, f"run {run_id}: lease renewal", exc)
                continue
            if not renewed and work is not None:
                log.warning("run %s: lease epoch %s lost; stopping", run_id, epoch)
                work.cancel()
                return

    async def _run_graph(self, run: dict[str, Any], epoch: int, blank: bool) -> GraphOutcome:
        d = self.deps
        spec: RunSpec = run["spec"]
        api_modes = requested_modes(spec.stream_mode)
        config = build_config(run, attempt=epoch, server=d.server_metadata)
        saver = d.checkpointer.for_run(run["run_id"], epoch, run["thread_id"],
                                       durability=spec.durability or "async",
                                       blank=blank)
        resuming = epoch > 1 and await self._has_checkpoint(run["run_id"])
        # Every attempt's stream begins with it, replayed to whoever joins later.
        await d.streams.publish(run["run_id"], "metadata", dumps(
            {"run_id": run["run_id"], "attempt": epoch}), thread_id=run["thread_id"])
        outcome = await self._outcome(run, saver, config, api_modes, resuming)
        # What is not committed yet (with async durability the last steps; after
        # an interrupt or an error the writes of the unfinished step, so a resume
        # does not re-run finished sibling tasks) commits with the outcome.
        outcome.along = RideAlong(await saver.take_pending(), saver.fence)
        return outcome

    async def _outcome(self, run: dict[str, Any], saver: Any, config: dict[str, Any],
                       api_modes: list[str], resuming: bool) -> GraphOutcome:
        """The graph's outcome. While the graph runs (and only then), a reload
        may stop it to restart it: it keeps the steps it finished."""
        d, run_id = self.deps, run["run_id"]
        self._in_graph[run_id] = run["thread_id"]
        try:
            store = d.memory_store and d.memory_store.for_run(saver.fence)
            graph = with_persistence(await d.graphs.build(run["graph_id"], config), saver, store)
            return await self._stream(graph, run, run["spec"], config, api_modes, resuming)
        except asyncio.CancelledError:
            if run_id in self._handing_back:
                await saver.commit_steps()
            raise
        except (Fenced, *_UNAVAILABLE):
            raise
        except Exception as exc:  # the graph failed: the run fails, the server lives
            failure = exc
        finally:
            del self._in_graph[run_id]
        return await self._failed(run, failure)

    async def _has_checkpoint(self, run_id: str) -> bool:
        return bool(await self.deps.db.fetchone(
            "SELECT 1 FROM checkpoints WHERE run_id=%s LIMIT 1", (run_id,)))

    async def _stream(self, graph: Any, run: dict[str, Any], spec: RunSpec,
                      config: dict[str, Any], api_modes: list[str], resuming: bool) -> GraphOutcome:
        publish = self._publisher(run, api_modes, bool(spec.stream_subgraphs))
        values: Any = None
        interrupted = False
        async for namespace, mode, chunk in graph_chunks(
                graph, build_input(spec, resuming=resuming), config, graph_modes(api_modes),
                "events" in api_modes, **stream_options(spec)):
            if not namespace and mode == "values":
                values = chunk
            if mode == "updates":
                give_message_ids(chunk)  # before it is published: see message_ids
            if not namespace and mode == "updates" and "__interrupt__" in chunk:
                interrupted = True
            await publish(namespace, mode, chunk)
        if interrupted:
            return await self._interrupted(graph, config, values)
        return GraphOutcome(RunStatus.success, values=to_jsonable(values))

    def _publisher(self, run: dict[str, Any], api_modes: list[str],
                   subgraphs_wanted: bool) -> Callable[..., Any]:
        streams, run_id, thread_id = self.deps.streams, run["run_id"], run["thread_id"]
        accumulator = MessageAccumulator() if "messages" in api_modes else None

        async def publish(namespace: tuple[str, ...], mode: str, chunk: Any) -> None:
            if namespace and not subgraphs_wanted:
                return
            for name, payload in _frames(mode, chunk, api_modes, namespace, accumulator):
                await streams.publish(run_id, name, dumps(payload), thread_id=thread_id)

        return publish

    async def _interrupted(self, graph: Any, config: dict[str, Any], values: Any) -> GraphOutcome:
        state = await graph.aget_state({"configurable": {
            k: v for k, v in config["configurable"].items() if k != "checkpoint_id"}})
        return GraphOutcome(RunStatus.interrupted, values=to_jsonable(values),
                            interrupts=task_interrupts(state.tasks))

    async def _failed(self, run: dict[str, Any], exc: BaseException) -> GraphOutcome:
        error, message = public_error(exc)
        # The traceback names the node (LangGraph's note), the file and the line.
        log.error("run %s of graph %s failed: %s: %s", run["run_id"], run["graph_id"], error,
                  exc, exc_info=exc, extra={k: run[k] for k in _RUN_KEYS})
        await self.deps.streams.publish(run["run_id"], "error",
                                        dumps({"error": error, "message": message}),
                                        thread_id=run["thread_id"])
        return GraphOutcome(RunStatus.error, error=error, message=message)
