"""`update_state` through LangGraph, staged: the new checkpoint is computed
against a StagedCheckpointer and handed back uncommitted, with what the
thread's event needs (values, interrupts, whether tasks are pending)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.errors import InvalidUpdateError
from langgraph.types import StateUpdate

from ...application.ports import StagedState
from ...domain.errors import InvalidInput, NotFound
from ...domain.run_spec import RunCommand
from ..postgres.checkpoints.staged_checkpointer import StagedCheckpointer
from .interrupts import task_interrupts
from .registry import Configured, with_persistence
from .run_input import langgraph_command
from .serialization import to_jsonable
from .snapshots import checkpoint_ref


async def stage_update(
    graphs: Configured,
    checkpointer: Any,
    thread_id: str,
    graph_id: str,
    values: Any,
    *,
    as_node: str | None,
    checkpoint: dict[str, Any] | None,
) -> StagedState:
    config: RunnableConfig = {"configurable": {**(checkpoint or {}), "thread_id": thread_id}}
    staged = StagedCheckpointer(checkpointer.store, thread_id, serde=checkpointer.serde)
    wanted = (checkpoint or {}).get("checkpoint_id")
    if wanted and await staged.aget_tuple(config) is None:
        raise NotFound("checkpoint", wanted)
    return await _staged(
        graphs,
        staged,
        graph_id,
        config,
        lambda graph: graph.aupdate_state(config, values, as_node=as_node),
    )


async def stage_supersteps(
    graphs: Configured,
    checkpointer: Any,
    thread_id: str,
    graph_id: str,
    supersteps: list[list[dict[str, Any]]],
) -> StagedState:
    """A new thread's history, one checkpoint per superstep of updates
    ({"values" or "command", "as_node"}), as LangGraph's bulk_update_state."""
    config: RunnableConfig = {"configurable": {"thread_id": thread_id}}
    staged = StagedCheckpointer(checkpointer.store, thread_id, serde=checkpointer.serde)
    # StateUpdate types `values` a dict; bulk_update_state takes a Command too
    steps = [
        [
            StateUpdate(
                langgraph_command(RunCommand.from_stored(u["command"]))
                if u.get("command")  # type: ignore[arg-type]
                else u.get("values"),
                u.get("as_node"),
            )
            for u in updates
        ]
        for updates in supersteps
    ]
    return await _staged(
        graphs, staged, graph_id, config, lambda graph: graph.abulk_update_state(config, steps)
    )


async def _staged(
    graphs: Configured,
    staged: StagedCheckpointer,
    graph_id: str,
    config: RunnableConfig,
    update: Callable[[Any], Awaitable[RunnableConfig]],
) -> StagedState:
    graph = with_persistence(await graphs.build(graph_id, config), staged)
    try:
        new_config = await update(graph)
    except (InvalidUpdateError, ValueError) as exc:
        raise InvalidInput(f"cannot update the state: {exc}") from None
    snap = await graph.aget_state(new_config)
    return StagedState(
        checkpoint_ref(new_config) or {},
        to_jsonable(snap.values),
        task_interrupts(snap.tasks),
        bool(snap.next),
        staged.batch(),
    )
