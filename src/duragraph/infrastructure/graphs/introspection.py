"""What the assistants API tells about a graph: its drawing, its schemas, its
subgraphs. A schema LangGraph cannot produce is `None`, never an error: one odd
type annotation must not make the whole assistant unreadable."""

from __future__ import annotations

import logging
from typing import Any, Callable

from langchain_core.utils.pydantic import create_model
from langgraph.pregel import Pregel
from pydantic import TypeAdapter

from ...domain.errors import InvalidInput

log = logging.getLogger(__name__)

# Keys LangGraph itself puts into `configurable`; they are not the user's to set.
_INTERNAL_CONFIG_KEYS = (
    "__pregel_checkpointer",
    "__pregel_store",
    "checkpoint_id",
    "checkpoint_ns",
    "thread_id",
)


def graph_json(graph: Pregel, *, xray: bool | int = False) -> dict[str, Any]:
    try:
        drawn = graph.get_graph(xray=xray).to_json()
    except NotImplementedError:
        raise InvalidInput("the graph does not support visualization") from None
    for node in drawn.get("nodes", []):
        if isinstance(node.get("data"), dict):
            node["data"].pop("id", None)  # a Python object path, meaningless to clients
    return drawn


def graph_schemas(graph_id: str, graph: Pregel) -> dict[str, Any]:
    return {"graph_id": graph_id, **_schemas(graph)}


def subgraphs(
    graph: Pregel, namespace: str | None = None, recurse: bool = False
) -> dict[str, dict[str, Any]]:
    try:
        found = list(graph.get_subgraphs(namespace=namespace, recurse=recurse))
    except NotImplementedError:
        raise InvalidInput("the graph does not support introspection") from None
    return {ns: _schemas(sub) for ns, sub in found}


def _schemas(graph: Any) -> dict[str, Any]:
    return {
        "input_schema": _attempt(graph, "input", lambda: graph.get_input_jsonschema()),
        "output_schema": _attempt(graph, "output", lambda: graph.get_output_jsonschema()),
        "state_schema": _attempt(graph, "state", lambda: state_jsonschema(graph)),
        "config_schema": _attempt(graph, "config", lambda: config_jsonschema(graph)),
        "context_schema": _attempt(graph, "context", lambda: graph.get_context_jsonschema()),
    }


def _attempt(graph: Any, which: str, produce: Callable[[], Any]) -> Any:
    try:
        return produce()
    except Exception as exc:  # a schema we cannot draw is reported as absent
        log.warning(
            "graph %s: no %s schema: %s: %s",
            getattr(graph, "name", graph),
            which,
            type(exc).__name__,
            exc,
        )
        return None


def state_jsonschema(graph: Pregel) -> dict[str, Any]:
    """Every state channel with the type its updates take (`Any` when that
    type has no JSON schema)."""
    fields: dict[str, Any] = {}
    for key in graph.stream_channels_list:
        # a stream channel is a BaseChannel, never a managed value
        update_type = graph.channels[key].UpdateType  # type: ignore[union-attr]
        fields[key] = (update_type if _has_schema(key, update_type) else Any, None)
    return create_model(graph.get_name("State"), **fields).model_json_schema()


def _has_schema(key: str, typ: Any) -> bool:
    try:
        create_model(key, __root__=(typ, None)).model_json_schema()
        return True
    except Exception:
        return False


def config_jsonschema(graph: Pregel) -> dict[str, Any]:
    """The `configurable` part of the config: LangGraph 1.x declares it as the
    graph's context schema."""
    if graph.context_schema is None:
        return {}
    schema = TypeAdapter(graph.context_schema).json_schema()
    for key in _INTERNAL_CONFIG_KEYS:
        schema.get("properties", {}).pop(key, None)
    return schema
