"""What the application layer needs from the outside world."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Protocol, Sequence, TypeVar

from ..domain.aggregate import Aggregate
from ..domain.events import DomainEvent, from_data

A = TypeVar("A", bound=Aggregate)


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class EventStore(Protocol):
    async def load(self, cls: type[A], ident: str) -> A: ...

    async def load_many(self, *wanted: tuple[type[Aggregate], str],
                        cached: bool = False) -> list[Aggregate]: ...

    async def save(self, *aggregates: Aggregate, fence: Fence | None = None,
                   extra: Sequence[StreamAppend] = (), also: Sequence[Statement] = (),
                   unchanged: Sequence[Aggregate] = (), cache: bool = True) -> None: ...


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event as the log holds it: `position` orders the whole log,
    `version` its stream."""
    position: int
    tx_id: int
    event_id: uuid.UUID
    stream_id: str
    version: int
    type: str
    data: dict[str, Any]
    recorded_at: datetime

    @property
    def event(self) -> DomainEvent:
        return from_data(self.type, self.data)


DEFAULT_SWEEP_MINUTES = 5.0


@dataclass(frozen=True, slots=True)
class TtlPolicy:
    """A `ttl` section of langgraph.json, in minutes: `checkpointer.ttl` for
    threads (`strategy`: delete or keep_latest) or `store.ttl` for store items
    (`refresh_on_read`). `default_ttl` None: kept until deleted."""
    default_ttl: float | None = None
    sweep_interval_minutes: float = DEFAULT_SWEEP_MINUTES
    strategy: str = "delete"
    refresh_on_read: bool = True

    def default(self) -> dict[str, Any] | None:
        """The `ttl` a new thread gets when it names none."""
        if self.default_ttl is None:
            return None
        return {"strategy": self.strategy, "ttl": self.default_ttl}


class GraphCatalog(Protocol):
    def has(self, graph_id: str) -> bool: ...

    def ids(self) -> list[str]: ...


class Database(Protocol):
    async def fetch(self, sql: str, params: Any = None) -> list[dict[str, Any]]: ...

    async def fetchone(self, sql: str, params: Any = None) -> dict[str, Any] | None: ...

    async def execute(self, sql: str, params: Any = None) -> int: ...


@dataclass(frozen=True, slots=True)
class StreamAppend:
    """Events for one stream that has no aggregate; `expected_version` None
    appends after whatever is there."""
    stream_id: str
    expected_version: int | None
    events: Sequence[DomainEvent]

    @classmethod
    def pending(cls, aggregates: Sequence[Aggregate]) -> list[StreamAppend]:
        """The aggregates' pending events, each after the version it was loaded at."""
        return [cls(a.stream_id(a.id), a.version - len(a.pending), list(a.pending))
                for a in aggregates if a.pending]


@dataclass(frozen=True, slots=True)
class Fence:
    """Lets a write commit only while `epoch` is the run's current lease."""
    run_id: str
    epoch: int


# SQL and its parameters, run in the transaction that appends the events.
Statement = tuple[str, tuple[Any, ...] | None]


class EventAppender(Protocol):
    async def append(self, batches: Sequence[StreamAppend], *, fence: Fence | None = None,
                     also: Sequence[Statement] = ()) -> None: ...


class StoreIndex(Protocol):
    """The store's semantic index (`store.index` in langgraph.json)."""

    def texts(self, value: dict[str, Any], fields: list[str] | None) -> list[tuple[str, str]]:
        """(field path, text) pairs to embed; `fields` None: the configured ones."""

    async def embed(self, texts: list[str]) -> list[list[float]]: ...

    async def embed_query(self, text: str) -> list[float]: ...


class RunStreamEnds(Protocol):
    """Ends a run's chunk stream (infrastructure.nats.run_streams.RunStreams)."""

    async def publish_end(self, run_id: str, status: str, *, thread_id: str) -> None: ...
