"""LangGraph's state snapshots and configs as the Agent Server shows them:
thread states and history entries, their tasks, checkpoints and interrupts."""

from __future__ import annotations

from typing import Any, Callable

from langgraph.types import StateSnapshot

from .interrupts import interrupts_out
from .serialization import to_jsonable

EMPTY_STATE: dict[str, Any] = {
    "values": {},
    "next": [],
    "tasks": [],
    "checkpoint": None,
    "metadata": None,
    "created_at": None,
    "parent_checkpoint": None,
    "interrupts": [],
    "checkpoint_id": None,
    "parent_checkpoint_id": None,
}


def checkpoint_ref(config: Any) -> dict[str, Any] | None:
    """The checkpoint a config points at, with only the keys the Agent Server
    sends: `checkpoint_map` appears where LangGraph set one (in a subgraph),
    never as null."""
    configurable = _configurable(config)
    if not configurable.get("thread_id") or not configurable.get("checkpoint_id"):
        return None
    ref = {
        "thread_id": configurable["thread_id"],
        "checkpoint_ns": configurable.get("checkpoint_ns") or "",
        "checkpoint_id": configurable["checkpoint_id"],
    }
    if "checkpoint_map" in configurable:
        ref["checkpoint_map"] = configurable["checkpoint_map"]
    return ref


def _configurable(config: Any) -> dict[str, Any]:
    return (config or {}).get("configurable") or {}


def _checkpoint_id(config: Any) -> str | None:
    return _configurable(config).get("checkpoint_id")


def _metadata(snap: StateSnapshot) -> dict[str, Any] | None:
    """The Agent Server's checkpoint metadata also names the thread it is read
    from (a copy names the copy); LangGraph's checkpointers leave it out."""
    thread_id = _configurable(snap.config).get("thread_id")
    if snap.metadata is None or not thread_id:
        return to_jsonable(snap.metadata)
    return {**to_jsonable(snap.metadata), "thread_id": thread_id}


def _task(task: Any, values: Callable[[Any], Any]) -> dict[str, Any]:
    state = task.state
    return {
        "id": task.id,
        "name": task.name,
        "path": to_jsonable(task.path),
        "error": repr(task.error) if task.error else None,
        "interrupts": interrupts_out(task.interrupts),
        # a subgraph's checkpoint is named by thread and namespace only
        "checkpoint": state.get("configurable") if isinstance(state, dict) else None,
        "state": snapshot_to_dict(state, values) if isinstance(state, StateSnapshot) else None,
        "result": to_jsonable(task.result) if task.result is not None else None,
    }


def snapshot_to_dict(
    snap: StateSnapshot, values: Callable[[Any], Any] = to_jsonable
) -> dict[str, Any]:
    """`values` renders the state's values (and its subgraphs'): plain JSON
    types by default, `serialization.fragment` for an HTTP answer."""
    return {
        "values": values(snap.values),
        "next": list(snap.next),
        "tasks": [_task(t, values) for t in snap.tasks],
        "checkpoint": checkpoint_ref(snap.config),
        "metadata": _metadata(snap),
        "created_at": snap.created_at,
        "parent_checkpoint": checkpoint_ref(snap.parent_config),
        "interrupts": interrupts_out(snap.interrupts),
        # deprecated, still sent by the Agent Server
        "checkpoint_id": _checkpoint_id(snap.config),
        "parent_checkpoint_id": _checkpoint_id(snap.parent_config),
    }
