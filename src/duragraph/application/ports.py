"""What the application layer needs from the outside world."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Protocol, Sequence, TypeVar

from ..domain.aggregate import Aggregate

A = TypeVar("A", bound=Aggregate)


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class EventStore(Protocol):
    async def load(self, cls: type[A], ident: str) -> A: ...

    async def load_many(self, *wanted: tuple[type[Aggregate], str]) -> list[Aggregate]: ...

    async def save(self, *aggregates: Aggregate, fence: Any = None, extra: Any = (),
                   also: Sequence[Any] = ()) -> None: ...


class GraphCatalog(Protocol):
    def has(self, graph_id: str) -> bool: ...

    def ids(self) -> list[str]: ...


class Database(Protocol):
    async def fetch(self, sql: str, params: Any = None) -> list[dict[str, Any]]: ...

    async def fetchone(self, sql: str, params: Any = None) -> dict[str, Any] | None: ...

    async def execute(self, sql: str, params: Any = None) -> int: ...
