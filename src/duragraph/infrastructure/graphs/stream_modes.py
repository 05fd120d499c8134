"""Mapping between the API's stream modes and LangGraph's."""

from __future__ import annotations

from typing import Any

from ...domain.errors import InvalidInput
from .snapshots import checkpoint_ref

# API mode -> LangGraph mode
_TO_GRAPH = {
    "values": "values",
    "updates": "updates",
    "messages-tuple": "messages",
    "messages": "messages",
    "custom": "custom",
    "debug": "debug",
    "tasks": "tasks",
    "checkpoints": "checkpoints",
    "events": "events",
    "tools": "tools",  # protocol v2 runs only (api/protocols/v2/commands.py)
}
API_MODES = tuple(_TO_GRAPH)


def requested_modes(stream_mode: Any) -> list[str]:
    if stream_mode is None:
        return ["values"]
    modes = [stream_mode] if isinstance(stream_mode, str) else list(stream_mode)
    bad = [m for m in modes if m not in _TO_GRAPH]
    if bad:
        raise InvalidInput(
            f"unknown stream_mode {bad[0]!r}; expected one of {', '.join(API_MODES)}"
        )
    return modes or ["values"]


def graph_modes(api_modes: list[str]) -> list[str]:
    """What to ask LangGraph for: always values and updates, which the
    executor needs for the final state and interrupts."""
    wanted = {"values", "updates"} | {_TO_GRAPH[m] for m in api_modes if m != "events"}
    return sorted(wanted)


def event_name(graph_mode: str, api_modes: list[str], namespace: tuple[str, ...]) -> list[str]:
    """The SSE event names a LangGraph chunk is published under."""
    names = []
    for api_mode in api_modes:
        if _TO_GRAPH[api_mode] == graph_mode and api_mode != "messages":
            names.append(api_mode if api_mode != "messages-tuple" else "messages")
    if namespace:
        names = [f"{n}|{'|'.join(namespace)}" for n in names]
    return names


def shaped(graph_mode: str, chunk: Any) -> Any:
    """A chunk as the Agent Server sends it: checkpoint payloads (the
    `checkpoints` mode, `debug` checkpoint entries) also name their checkpoint
    and its parent as `{thread_id, checkpoint_ns, checkpoint_id}`."""
    if graph_mode == "checkpoints":
        return _with_checkpoint(chunk)
    if graph_mode == "debug" and isinstance(chunk, dict) and chunk.get("type") == "checkpoint":
        return {**chunk, "payload": _with_checkpoint(chunk.get("payload"))}
    return chunk


def _with_checkpoint(payload: Any) -> Any:
    if not isinstance(payload, dict):
        return payload
    return {
        **payload,
        "checkpoint": checkpoint_ref(payload.get("config")),
        "parent_checkpoint": checkpoint_ref(payload.get("parent_config")),
        "tasks": [_task(t) for t in payload.get("tasks") or ()],
    }


def _task(task: Any) -> Any:
    """A subgraph task's state is a config: named as its checkpoint instead."""
    state = task.get("state") if isinstance(task, dict) else None
    if not isinstance(state, dict) or not state.get("configurable"):
        return task
    return {**{k: v for k, v in task.items() if k != "state"}, "checkpoint": state["configurable"]}
