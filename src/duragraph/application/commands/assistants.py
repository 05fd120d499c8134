from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass, field
from typing import Any

from ...domain.assistant import Assistant
from ...domain.errors import AlreadyExists, InvalidInput, NotFound
from ..ports import Clock, EventStore, GraphCatalog
from .retry import on_conflict
from .threads import delete_thread

# The official server's namespace, so default assistant ids match it.
NAMESPACE_GRAPH = uuid.UUID("6ba7b821-9dad-11d1-80b4-00c04fd430c8")


def default_assistant_id(graph_id: str) -> str:
    return str(uuid.uuid5(NAMESPACE_GRAPH, graph_id))


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateAssistant:
    graph_id: str
    assistant_id: str | None = None
    name: str | None = None
    description: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    if_exists: str = "raise"


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateAssistant:
    assistant_id: str
    graph_id: str | None = None
    name: str | None = None
    description: str | None = None
    config: dict[str, Any] | None = None
    context: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None


def require_graph(graphs: GraphCatalog, graph_id: str) -> None:
    """NotFound naming the graphs there are, in the official server's words."""
    if not graphs.has(graph_id):
        raise NotFound(
            "graph",
            graph_id,
            f"Graph '{graph_id}' not found. Expected one of: {sorted(graphs.ids())}",
        )


@on_conflict()
async def create_assistant(
    cmd: CreateAssistant, store: EventStore, clock: Clock, graphs: GraphCatalog
) -> str:
    require_graph(graphs, cmd.graph_id)
    if cmd.if_exists not in ("raise", "do_nothing"):
        raise InvalidInput("if_exists must be 'raise' or 'do_nothing'")
    assistant = await store.load(Assistant, cmd.assistant_id or str(uuid.uuid4()))
    if assistant.live:
        if cmd.if_exists == "do_nothing":
            return assistant.id
        raise AlreadyExists("assistant", assistant.id)
    assistant.create(
        graph_id=cmd.graph_id,
        name=cmd.name or "Untitled",
        description=cmd.description,
        config=cmd.config,
        context=cmd.context,
        metadata=cmd.metadata,
        now=clock.now(),
    )
    await store.save(assistant)
    return assistant.id


@on_conflict()
async def update_assistant(
    cmd: UpdateAssistant, store: EventStore, clock: Clock, graphs: GraphCatalog
) -> None:
    if cmd.graph_id is not None:
        require_graph(graphs, cmd.graph_id)
    assistant = await store.load(Assistant, cmd.assistant_id)
    assistant.update(
        graph_id=cmd.graph_id,
        name=cmd.name,
        description=cmd.description,
        config=cmd.config,
        context=cmd.context,
        metadata=cmd.metadata,
        now=clock.now(),
    )
    await store.save(assistant)


@on_conflict()
async def restore_version(assistant_id: str, version: int, store: EventStore, clock: Clock) -> None:
    assistant = await store.load(Assistant, assistant_id)
    assistant.restore_version(version, now=clock.now())
    await store.save(assistant)


@on_conflict()
async def delete_assistant(assistant_id: str, store: EventStore, clock: Clock) -> None:
    assistant = await store.load(Assistant, assistant_id)
    assistant.delete(now=clock.now())
    await store.save(assistant)


async def delete_assistant_and_threads(
    assistant_id: str, thread_ids: list[str], store: EventStore, clock: Clock
) -> None:
    """`delete_threads=true`: the threads that ran this assistant go first, as
    in the official server; one already gone is no reason to stop."""
    for thread_id in thread_ids:
        with contextlib.suppress(NotFound):
            await delete_thread(thread_id, store, clock)
    await delete_assistant(assistant_id, store, clock)


async def ensure_default_assistants(store: EventStore, clock: Clock, graphs: GraphCatalog) -> None:
    """Each graph gets an assistant whose id is derived from the graph id."""
    for graph_id in graphs.ids():
        await create_assistant(
            CreateAssistant(
                graph_id=graph_id,
                assistant_id=default_assistant_id(graph_id),
                name=graph_id,
                metadata={"created_by": "system"},
                if_exists="do_nothing",
            ),
            store,
            clock,
            graphs,
        )
