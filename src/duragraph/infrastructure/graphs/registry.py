"""The graphs a project declares, and how each becomes a compiled graph for a run.

A `langgraph.json` entry may name a compiled graph, a `StateGraph` (compiled
once here), or a factory called for every run with that run's config. The
registry never attaches persistence: the executor does, with `with_persistence`.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from langchain_core.runnables.config import ensure_config
from langgraph.graph import StateGraph
from langgraph.pregel import Pregel

from ...domain.assistant import config_over
from ...domain.errors import NotFound
from .config import ConfigError, ProjectConfig
from .user_code import apply_env, extend_sys_path, is_file_location, load_attribute, module_file

DEFAULT_NAME = "LangGraph"  # what compile() names a graph nobody named

# Pregel.copy() rebuilds the graph through __init__, which does not take these:
# compile() sets them afterwards. Without them a copy loses pydantic/dataclass
# output coercion and the strict-msgpack allowlist.
_SET_AFTER_INIT = ("_output_mapper", "_state_mapper", "_serde_allowlist")


class GraphLoadError(ConfigError):
    """A graph langgraph.json declares could not be loaded (the cause says why)."""

    def __init__(self, message: str, spec: str) -> None:
        super().__init__(message)
        self.spec = spec


class UnknownGraph(NotFound):
    def __init__(self, graph_id: str) -> None:
        super().__init__("graph", graph_id)


def clone(graph: Pregel, **update: Any) -> Pregel:
    copied = graph.copy(update=update)
    for attr in _SET_AFTER_INIT:
        if attr in vars(graph):
            setattr(copied, attr, vars(graph)[attr])
    return copied


def with_persistence(graph: Pregel, checkpointer: Any, store: Any = None) -> Pregel:
    """The same graph, saving its checkpoints to `checkpointer` (and using
    `store`, when given, for the long-term memory store)."""
    update: dict[str, Any] = {"checkpointer": checkpointer}
    if store is not None:
        update["store"] = store
    return clone(graph, **update)


@dataclass(frozen=True, slots=True)
class _Factory:
    graph_id: str
    fn: Callable[..., Any]
    takes_config: bool


class GraphRegistry:
    def __init__(
        self,
        compiled: dict[str, Pregel],
        factories: dict[str, _Factory],
        order: list[str] | None = None,
    ) -> None:
        self._compiled = compiled
        self._factories = factories
        self._ids = order or [*compiled, *factories]

    @classmethod
    def load(cls, config: ProjectConfig) -> GraphRegistry:
        apply_env(config.env)
        extend_sys_path(config)
        compiled: dict[str, Pregel] = {}
        factories: dict[str, _Factory] = {}
        for graph_id, spec in config.graphs.items():
            value = _import(graph_id, spec, config)
            if isinstance(value, (Pregel, StateGraph)):
                compiled[graph_id] = _compiled(graph_id, value)
            else:
                factories[graph_id] = _factory(graph_id, spec, value)
        return cls(compiled, factories, list(config.graphs))

    def replace_with(self, other: GraphRegistry) -> None:
        """Serve `other`'s graphs from now on (a reload). Everything holding
        this registry sees the change at once, and no await splits it."""
        self._compiled, self._factories, self._ids = other._compiled, other._factories, other._ids

    def ids(self) -> list[str]:
        return list(self._ids)

    def has(self, graph_id: str) -> bool:
        return graph_id in self._compiled or graph_id in self._factories

    def is_factory(self, graph_id: str) -> bool:
        """Whether the graph is made from a config (so which config matters)."""
        return graph_id in self._factories

    async def build(self, graph_id: str, config: dict[str, Any] | None = None) -> Pregel:
        if graph_id in self._compiled:
            return self._compiled[graph_id]
        factory = self._factories.get(graph_id)
        if factory is None:
            raise UnknownGraph(graph_id)
        return await _call(factory, config)


class Configured:
    """The registry's graphs made with `base` under each call's own config:
    a thread's graph from its assistant's config, as a run's graph is."""

    def __init__(self, graphs: GraphRegistry, base: dict[str, Any]) -> None:
        self.graphs, self.base = graphs, base

    async def build(self, graph_id: str, config: Mapping[str, Any] | None = None) -> Pregel:
        return await self.graphs.build(graph_id, config_over(self.base, config or {}))


def _import(graph_id: str, spec: str, config: ProjectConfig) -> Any:
    location, _, attr = spec.rpartition(":")
    where = module_file(location, config.base_dir) if is_file_location(location) else location
    try:
        return load_attribute(location, attr, config.base_dir)
    except Exception as exc:
        raise GraphLoadError(
            f"graph '{graph_id}': cannot load '{attr}' from {where}: {type(exc).__name__}: {exc}",
            spec,
        ) from exc


def _compiled(graph_id: str, value: Any) -> Pregel:
    if isinstance(value, StateGraph):
        try:
            value = value.compile()
        except Exception as exc:
            raise ConfigError(
                f"graph '{graph_id}': the StateGraph does not compile: {type(exc).__name__}: {exc}"
            ) from exc
    if not isinstance(value, Pregel):
        raise _not_a_graph(graph_id, value)
    # Unnamed graphs take their id, as on LangGraph Platform (schema titles, traces).
    return clone(value, name=graph_id) if value.name == DEFAULT_NAME else value


def _not_a_graph(graph_id: str, value: Any) -> ConfigError:
    hint = ""
    if hasattr(value, "__aenter__") or hasattr(value, "__enter__"):
        hint = " (context-manager factories are not supported)"
    return ConfigError(
        f"graph '{graph_id}': expected a compiled graph or a StateGraph, "
        f"got {type(value).__name__}{hint}"
    )


def _factory(graph_id: str, spec: str, fn: Any) -> _Factory:
    if not callable(fn):
        raise ConfigError(
            f"graph '{graph_id}': '{spec}' is a {type(fn).__name__}, not a "
            "compiled graph, a StateGraph or a function that makes one"
        )
    return _Factory(graph_id, fn, _takes_config(graph_id, fn))


def _takes_config(graph_id: str, fn: Callable[..., Any]) -> bool:
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):  # some builtins have no signature: call without
        return False
    positional = [
        p
        for p in params
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)
    ]
    required = [
        p
        for p in params
        if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    if len(required) > 1 or (required and required[0] not in positional):
        raise ConfigError(
            f"graph '{graph_id}': a graph factory takes no arguments or one "
            f"(the run's config); {getattr(fn, '__name__', fn)}"
            f"{inspect.signature(fn)} needs {len(required)}"
        )
    return bool(positional)


async def _call(factory: _Factory, config: dict[str, Any] | None) -> Pregel:
    # ensure_config copies configurable/metadata: a factory mutating its
    # config cannot leak into the run's.
    # ensure_config types its argument a RunnableConfig (a TypedDict), not a dict
    args = (ensure_config(config),) if factory.takes_config else ()  # type: ignore[arg-type]
    made = factory.fn(*args)
    if inspect.isawaitable(made):
        made = await made
    return _compiled(factory.graph_id, made)
