"""What the routes need, built once by bootstrap."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from starlette.requests import Request

from ..application.ports import Clock, Database, EventStore


@dataclass(slots=True)
class Services:
    store: EventStore
    db: Database
    clock: Clock
    graphs: Any        # infrastructure.graphs.registry.GraphRegistry
    checkpointer: Any  # infrastructure.postgres.checkpointer.EventStoreCheckpointer
    streams: Any       # infrastructure.nats.run_streams.RunStreams
    states: Any        # infrastructure.graphs.state.ThreadStates
    # Called after a run is committed: an in-process executor may start it at
    # once; other workers learn of it through the outbox and NATS.
    on_run_created: Callable[[str, str], None] = lambda run_id, thread_id: None
    on_run_cancelled: Callable[[str], None] = lambda run_id: None
    info: dict[str, Any] = field(default_factory=dict)


def services(request: Request) -> Services:
    return request.app.state.services
