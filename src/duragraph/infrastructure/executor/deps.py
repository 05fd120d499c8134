"""What an executor is built with (bootstrap fills it in)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...application.ports import Clock, Database, EventStore, Leases
from ..graphs.registry import GraphRegistry
from ..memory_store.base_store import EventSourcedStore
from ..nats.run_streams import RunStreams
from ..postgres.checkpoints.checkpointer import EventStoreCheckpointer


@dataclass(slots=True)
class ExecutorDeps:
    store: EventStore
    db: Database
    leases: Leases
    clock: Clock
    checkpointer: EventStoreCheckpointer
    graphs: GraphRegistry
    streams: RunStreams
    worker_id: str
    lease_seconds: float = 10.0
    max_active: int = 64
    memory_store: EventSourcedStore | None = None  # get_store() / `store` in nodes
    server_metadata: dict[str, Any] = field(default_factory=dict)  # see run_metadata.py
