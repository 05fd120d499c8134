"""What the application layer needs from the outside world."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Mapping, Protocol, Sequence, TypeVar

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

    async def load_many(
        self, *wanted: tuple[type[Aggregate], str], cached: bool = False
    ) -> list[Aggregate]: ...

    async def save(
        self,
        *aggregates: Aggregate,
        fence: Fence | None = None,
        extra: Sequence[StreamAppend] = (),
        leases: Sequence[LeaseChange] = (),
        unchanged: Sequence[Aggregate] = (),
        cache: bool = True,
    ) -> None: ...


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


async def aggregate_row(db: Database, sql: str, params: Any = None) -> dict[str, Any]:
    """The one row an aggregate query without GROUP BY always returns."""
    row = await db.fetchone(sql, params)
    if row is None:
        raise RuntimeError(f"an aggregate query returned no row: {sql}")
    return row


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
        return [
            cls(a.stream_id(a.id), a.version - len(a.pending), list(a.pending))
            for a in aggregates
            if a.pending
        ]


@dataclass(frozen=True, slots=True)
class Fence:
    """Lets a write commit only while `epoch` is the run's current lease."""

    run_id: str
    epoch: int


# SQL and its parameters, run in the transaction that appends the events.
Statement = tuple[str, tuple[Any, ...] | None]


class EventAppender(Protocol):
    async def append(
        self, batches: Sequence[StreamAppend], *, fence: Fence | None = None
    ) -> None: ...


# -- leases: see application/execution/placement.py ---------------------------


@dataclass(frozen=True, slots=True)
class GrantLease:
    """Commits with a claim: `worker_id` holds the run under `epoch` for
    `seconds` (replacing whatever lease the run had)."""

    run_id: str
    thread_id: str
    epoch: int
    worker_id: str
    seconds: float


@dataclass(frozen=True, slots=True)
class ReleaseLease:
    """Commits with a run's outcome: the lease goes, if still of that epoch."""

    run_id: str
    epoch: int


LeaseChange = GrantLease | ReleaseLease  # what joins an event store transaction


@dataclass(frozen=True, slots=True)
class RunRef:
    run_id: str
    thread_id: str


@dataclass(frozen=True, slots=True)
class RunStanding:
    """A run's status and epoch as the runs projection holds them now."""

    status: str
    epoch: int


class Leases(Protocol):
    """Executors' leases on the runs they execute, outside any event."""

    async def renew(self, held: Mapping[str, int], seconds: float) -> set[str]:
        """Extend the leases of these runs at these epochs, in one statement;
        the runs whose lease of that epoch is no longer ours."""

    async def hand_back(self, run_id: str, epoch: int) -> None:
        """Lapse the lease of that epoch now: the next claim need not wait."""

    async def lapse_all(self) -> int:
        """Lapse every live lease (their owners are known dead); how many."""

    async def lapsed_epoch(self, run_id: str) -> int | None:
        """The epoch of the run's lease if it lapsed (or the run's, if it has
        none); None while it is live."""

    async def runs_to_recover(
        self, *, pending_older_than_s: float, limit: int = 100
    ) -> list[RunRef]:
        """Runs nobody works on, the oldest first."""

    async def end_stuck_sessions(self, run_id: str, lease_seconds: float) -> int:
        """End the lapsed owner's transactions stalled half-sent; how many."""

    async def standing(self, run_id: str) -> RunStanding | None:
        """The run's status and epoch; None if it is gone."""


@dataclass(frozen=True, slots=True)
class StagedState:
    """A thread's new checkpoint, computed but not committed: `batch` (its
    events) joins the thread's own event in one save."""

    checkpoint: dict[str, Any]  # the new checkpoint's reference, as the API returns it
    values: Any
    interrupts: dict[str, Any]
    has_next: bool
    batch: StreamAppend


class StateEditor(Protocol):
    """Stages a thread's state changes through its graph (update_state, and a
    new thread's supersteps)."""

    async def stage_update(
        self,
        thread_id: str,
        graph_id: str,
        values: Any,
        *,
        as_node: str | None = None,
        checkpoint: dict[str, Any] | None = None,
    ) -> StagedState: ...

    async def stage_supersteps(
        self, thread_id: str, graph_id: str, supersteps: list[list[dict[str, Any]]]
    ) -> StagedState: ...


class StateReader(Protocol):
    async def state(self, thread_id: str, graph_id: str | None) -> dict[str, Any] | None: ...


class CheckpointBatches(Protocol):
    """A thread's checkpoint events, copied or pruned, to save with the thread's own."""

    async def copy_batch(self, source_thread_id: str, target_thread_id: str) -> StreamAppend: ...

    async def prune_batch(self, thread_id: str, strategy: str) -> StreamAppend: ...

    def retention_batch(
        self, thread_id: str, checkpoints: Sequence[tuple[str, str]]
    ) -> StreamAppend: ...


class StoreIndex(Protocol):
    """The store's semantic index (`store.index` in langgraph.json)."""

    def texts(self, value: Mapping[str, Any], fields: list[str] | None) -> list[tuple[str, str]]:
        """(field path, text) pairs to embed; `fields` None: the configured ones."""

    async def embed(self, texts: list[str]) -> list[list[float]]: ...

    async def embed_query(self, text: str) -> list[float]: ...

    def as_config(self) -> dict[str, Any]:
        """The section as LangGraph's stores report it (BaseStore.index_config)."""


class RunStreamEnds(Protocol):
    """Ends a run's chunk stream (infrastructure.nats.run_streams.RunStreams)."""

    async def publish_end(self, run_id: str, status: str, *, thread_id: str) -> None: ...
