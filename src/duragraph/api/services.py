"""What the routes need, built once by bootstrap."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Protocol

from starlette.requests import Request

from ..application.commands.memory_store import StoreDeps
from ..application.ports import CheckpointBatches, Clock, Database, EventStore
from .auth.service import NO_AUTH, Authorizer
from .ports import GraphBuilder, RunChunks, ThreadStateView, WebhookCheck
from .run_headers import HeaderPolicy


class LocalExecutor(Protocol):
    @property
    def worker_id(self) -> str: ...

    @property
    def lease_seconds(self) -> float: ...

    def has_capacity(self) -> bool: ...

    def hold_slot(self, run_id: str) -> bool: ...

    def release_slot(self, run_id: str) -> None: ...

    def workers(self) -> dict[str, int]: ...

    def adopt(self, run_id: str, claim: Any) -> None: ...

    def submit(self, run_id: str, thread_id: str) -> None: ...

    def cancel(self, run_id: str) -> bool: ...

    def executing(self, run_id: str, thread_id: str) -> bool: ...

    async def wait_local(self, run_id: str) -> tuple[bool, Any]: ...


@dataclass(slots=True)
class Services:
    store: EventStore
    db: Database
    clock: Clock
    graphs: GraphBuilder
    checkpointer: CheckpointBatches
    streams: RunChunks
    states: ThreadStateView
    # An executor in this process (`duragraph dev`) starts runs without a NATS
    # hop; without one, workers learn of runs through the outbox and NATS.
    executor: "LocalExecutor | None" = None
    memory: StoreDeps | None = None  # the long-term memory store (bootstrap sets it)
    info: dict[str, Any] = field(default_factory=dict)
    # The features /info reports on (langgraph.json `http` may turn some off).
    flags: dict[str, bool] = field(default_factory=dict)
    webhooks: WebhookCheck | None = None  # checks run webhooks
    default_ttl: dict[str, Any] | None = None  # langgraph.json checkpointer.ttl.default_ttl
    auth: Authorizer = NO_AUTH  # langgraph.json `auth`: authorizes each operation
    # langgraph.json `http.configurable_headers`: request headers a run's config gets
    run_headers: HeaderPolicy = field(default_factory=HeaderPolicy)
    public_url: str = "http://127.0.0.1:2024"  # api.public_url: the base of links we return
    ws_max_subscriptions: int = 64  # per protocol v2 WebSocket (settings.py)
    # Set when the server begins to stop: open streams end (clients resume
    # them elsewhere or after the restart) instead of holding the shutdown up.
    stopping: asyncio.Event = field(default_factory=asyncio.Event)


async def services(request: Request) -> Services:
    # async: FastAPI runs a plain `def` dependency in its thread pool (a
    # thread hop per request).
    return request.app.state.services
