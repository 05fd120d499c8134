"""Thread state and history as the API returns them, read through LangGraph
from the event-store checkpointer."""

from __future__ import annotations

from typing import Any

from ...application.ports import Database, StagedState
from ...application.queries.assistants import thread_assistant_config
from ..postgres.thread_storage import thread_storage
from .registry import Configured, GraphRegistry, with_persistence
from .serialization import fragment, to_jsonable
from .snapshots import EMPTY_STATE, snapshot_to_dict
from .state_update import stage_supersteps, stage_update


class ThreadStates:
    def __init__(self, graphs: GraphRegistry, checkpointer: Any, db: Database) -> None:
        self.graphs, self.checkpointer, self.db = graphs, checkpointer, db
        self.reader = checkpointer.for_json_reads()

    async def _graphs(self, thread_id: str, graph_id: str) -> Configured:
        """A factory makes the thread's graph from its assistant's config, as
        for a run (the nodes it adds may depend on it)."""
        base = (
            await thread_assistant_config(self.db, thread_id)
            if self.graphs.is_factory(graph_id)
            else {}
        )
        return Configured(self.graphs, base)

    async def _graph(self, thread_id: str, graph_id: str, config: dict[str, Any]) -> Any:
        """The thread's graph reading its checkpoints for a JSON answer."""
        graphs = await self._graphs(thread_id, graph_id)
        return with_persistence(await graphs.build(graph_id, config), self.reader)

    async def state(
        self,
        thread_id: str,
        graph_id: str | None,
        *,
        checkpoint: dict[str, Any] | None = None,
        subgraphs: bool = False,
        answer: bool = False,
    ) -> dict[str, Any] | None:
        """None when the checkpoint asked for does not exist. `answer`: the
        values are made JSON for an HTTP answer, not plain types."""
        if graph_id is None or not self.graphs.has(graph_id):
            # no graph ever ran here, so no checkpoint can be asked for
            return None if checkpoint else dict(EMPTY_STATE)
        config = {"configurable": {**(checkpoint or {}), "thread_id": thread_id}}
        graph = await self._graph(thread_id, graph_id, config)
        snap = await graph.aget_state(config, subgraphs=subgraphs)
        if snap.created_at is None and checkpoint and checkpoint.get("checkpoint_id"):
            return None  # LangGraph answers an empty snapshot for an unknown checkpoint
        return snapshot_to_dict(snap, fragment if answer else to_jsonable)

    async def history(
        self,
        thread_id: str,
        graph_id: str | None,
        *,
        limit: int = 10,
        before: Any = None,
        metadata: dict | None = None,
        checkpoint: dict | None = None,
    ) -> list[dict[str, Any]]:
        """For an HTTP answer: the values are made JSON (see `state`)."""
        if graph_id is None or not self.graphs.has(graph_id):
            return []
        config = {"configurable": {**(checkpoint or {}), "thread_id": thread_id}}
        if isinstance(before, str):
            before = {"configurable": {"checkpoint_id": before}}
        elif isinstance(before, dict) and "configurable" not in before:
            before = {"configurable": before}
        graph = await self._graph(thread_id, graph_id, config)
        return [
            snapshot_to_dict(s, fragment)
            async for s in graph.aget_state_history(
                config, limit=limit, before=before, filter=metadata
            )
        ]

    async def stage_update(
        self,
        thread_id: str,
        graph_id: str,
        values: Any,
        *,
        as_node: str | None = None,
        checkpoint: dict[str, Any] | None = None,
    ) -> StagedState:
        graphs = await self._graphs(thread_id, graph_id)
        return await stage_update(
            graphs,
            self.checkpointer,
            thread_id,
            graph_id,
            values,
            as_node=as_node,
            checkpoint=checkpoint,
        )

    async def stage_supersteps(
        self, thread_id: str, graph_id: str, supersteps: list[list[dict[str, Any]]]
    ) -> StagedState:
        graphs = await self._graphs(thread_id, graph_id)
        return await stage_supersteps(graphs, self.checkpointer, thread_id, graph_id, supersteps)

    async def storage(self, thread_id: str) -> dict[str, Any]:
        """What the thread's checkpoints occupy (GET /threads/{id}/storage)."""
        return await thread_storage(self.checkpointer, thread_id)
