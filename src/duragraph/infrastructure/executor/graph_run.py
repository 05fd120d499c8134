"""A run's graph, run: built with its persistence (the run-bound, fenced
checkpointer and the memory store), streamed to the run's stream, and how it
ended (a `GraphOutcome`: success, interrupted, or failed)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any, Callable

from ...application.execution.finish import RideAlong
from ...application.queries.outcomes import error_result, values_result
from ...domain.errors import Fenced
from ...domain.run_spec import RunSpec
from ...domain.statuses import RunStatus
from ..graphs.failure import public_error
from ..graphs.graph_stream import graph_chunks
from ..graphs.interrupts import task_interrupts
from ..graphs.message_ids import give_message_ids
from ..graphs.registry import with_persistence
from ..graphs.run_input import build_config, build_input, stream_options
from ..graphs.serialization import to_jsonable
from ..graphs.stream_modes import graph_modes, requested_modes
from ..outages import DATABASE_OUTAGES
from .deps import ExecutorDeps
from .run_stream import RunStream

log = logging.getLogger(__name__)

_RUN_KEYS = ("run_id", "thread_id", "graph_id")  # what a failure's log record carries
# Not the graph failing: fenced off (a newer epoch owns the run), or PostgreSQL
# out of reach (the run resumes from its last checkpoint once its lease lapses).
_NOT_A_FAILURE: tuple[type[BaseException], ...] = (Fenced, *DATABASE_OUTAGES)


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


class GraphRuns:
    def __init__(self, deps: ExecutorDeps, restarting: Callable[[str], bool]) -> None:
        self.deps = deps
        self.restarting = restarting  # whether a run is stopped to be claimed again at once
        self.in_graph: dict[str, str] = {}  # run id -> thread id, while its graph runs

    async def run(
        self, run: dict[str, Any], epoch: int, blank: bool, stream: RunStream
    ) -> GraphOutcome:
        d = self.deps
        spec: RunSpec = run["spec"]
        api_modes = requested_modes(spec.stream_mode)
        config = build_config(run, attempt=epoch, server=d.server_metadata)
        saver = d.checkpointer.for_run(
            run["run_id"],
            epoch,
            run["thread_id"],
            durability=spec.durability or "async",
            blank=blank,
        )
        resuming = epoch > 1 and await self._has_checkpoint(run["run_id"])
        await stream.metadata(epoch)
        outcome = await self._outcome(run, saver, config, api_modes, resuming, stream)
        # What is not committed yet (with async durability the last steps; after
        # an interrupt or an error the writes of the unfinished step, so a resume
        # does not re-run finished sibling tasks) commits with the outcome.
        outcome.along = RideAlong(await saver.take_pending(), saver.fence)
        return outcome

    async def _outcome(
        self,
        run: dict[str, Any],
        saver: Any,
        config: dict[str, Any],
        api_modes: list[str],
        resuming: bool,
        stream: RunStream,
    ) -> GraphOutcome:
        """The graph's outcome. While the graph runs (and only then), a reload
        may stop it to restart it: it keeps the steps it finished."""
        d, run_id = self.deps, run["run_id"]
        self.in_graph[run_id] = run["thread_id"]
        try:
            store = d.memory_store and d.memory_store.for_run(saver.fence)
            graph = with_persistence(await d.graphs.build(run["graph_id"], config), saver, store)
            return await self._stream(graph, run["spec"], config, api_modes, resuming, stream)
        except asyncio.CancelledError:
            if self.restarting(run_id):
                await saver.commit_steps()
            raise
        except _NOT_A_FAILURE:
            raise
        except Exception as exc:  # the graph failed: the run fails, the server lives
            failure = exc
        finally:
            del self.in_graph[run_id]
        return await self._failed(run, failure, stream)

    async def _has_checkpoint(self, run_id: str) -> bool:
        return bool(
            await self.deps.db.fetchone(
                "SELECT 1 FROM checkpoints WHERE run_id=%s LIMIT 1", (run_id,)
            )
        )

    async def _stream(
        self,
        graph: Any,
        spec: RunSpec,
        config: dict[str, Any],
        api_modes: list[str],
        resuming: bool,
        stream: RunStream,
    ) -> GraphOutcome:
        publish = stream.chunks(api_modes, bool(spec.stream_subgraphs))
        values: Any = None
        interrupted = False
        async for namespace, mode, chunk in graph_chunks(
            graph,
            build_input(spec, resuming=resuming),
            config,
            graph_modes(api_modes),
            "events" in api_modes,
            **stream_options(spec),
        ):
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

    async def _interrupted(self, graph: Any, config: dict[str, Any], values: Any) -> GraphOutcome:
        state = await graph.aget_state(
            {
                "configurable": {
                    k: v for k, v in config["configurable"].items() if k != "checkpoint_id"
                }
            }
        )
        return GraphOutcome(
            RunStatus.interrupted,
            values=to_jsonable(values),
            interrupts=task_interrupts(state.tasks),
        )

    async def _failed(
        self, run: dict[str, Any], exc: BaseException, stream: RunStream
    ) -> GraphOutcome:
        error, message = public_error(exc)
        # The traceback names the node (LangGraph's note), the file and the line.
        log.error(
            "run %s of graph %s failed: %s: %s",
            run["run_id"],
            run["graph_id"],
            error,
            exc,
            exc_info=exc,
            extra={k: run[k] for k in _RUN_KEYS},
        )
        await stream.error(error, message)
        return GraphOutcome(RunStatus.error, error=error, message=message)
