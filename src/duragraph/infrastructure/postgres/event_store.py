"""The PostgreSQL event store.

`save` appends an aggregate's pending events with optimistic concurrency:
the unique (stream_id, stream_version) turns a stale writer into a
ConcurrencyConflict. Outbox rows come from a trigger and projections are
updated in the same transaction, pipelined into one round trip.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Sequence, TypeVar

import psycopg
from psycopg import errors as pgerr
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from ... import projections
from ...projections import Statement
from ...domain.aggregate import Aggregate
from ...domain.errors import ConcurrencyConflict, Fenced
from ...domain.events import DomainEvent, from_data

A = TypeVar("A", bound=Aggregate)

_INSERT = """
INSERT INTO events (event_id, stream_id, stream_version, type, data, metadata)
VALUES (%s, %s, %s, %s, %s, %s)"""

# For streams with a single logical writer and no aggregate (checkpoints):
# the next version is computed in SQL; a racing writer still conflicts.
_INSERT_NEXT = """
INSERT INTO events (event_id, stream_id, stream_version, type, data, metadata)
SELECT %s, %s, COALESCE(MAX(stream_version), 0) + 1, %s, %s, %s
FROM events WHERE stream_id = %s"""


@dataclass(frozen=True, slots=True)
class StoredEvent:
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


@dataclass(frozen=True, slots=True)
class Batch:
    stream_id: str
    expected_version: int | None  # None: append after whatever is there
    events: Sequence[DomainEvent]


@dataclass(frozen=True, slots=True)
class Fence:
    run_id: str
    epoch: int


_COLUMNS = "position, tx_id::text::bigint, event_id, stream_id, stream_version, type, data, recorded_at"


def _stored(row: tuple) -> StoredEvent:
    return StoredEvent(*row)


class PostgresEventStore:
    def __init__(self, pool: AsyncConnectionPool) -> None:
        self.pool = pool

    async def load(self, cls: type[A], ident: str) -> A:
        return (await self.load_many((cls, ident)))[0]

    async def load_many(self, *wanted: tuple[type[Aggregate], str]) -> list[Aggregate]:
        """Several aggregates in one round trip."""
        aggregates = [cls(ident) for cls, ident in wanted]
        by_stream = {a.stream_id(a.id): a for a in aggregates}
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT stream_id, type, data FROM events WHERE stream_id = ANY(%s) "
                "ORDER BY stream_id, stream_version", (list(by_stream),))
            for stream_id, type_, data in await cur.fetchall():
                by_stream[stream_id].apply(from_data(type_, data))
        return aggregates

    async def save(self, *aggregates: Aggregate, fence: Fence | None = None,
                   extra: Iterable[Batch] = (), also: Sequence[Statement] = ()) -> None:
        """Append the aggregates' pending events after the `extra` batches (facts
        that happened before them); `also` are operational statements (leases)
        that must commit or fail with them."""
        batches = [Batch(a.stream_id(a.id), a.version - len(a.pending), list(a.pending))
                   for a in aggregates if a.pending]
        await self.append([*extra, *batches], fence=fence, also=also)
        for a in aggregates:
            a.pending.clear()

    async def append(self, batches: Sequence[Batch], *, fence: Fence | None = None,
                     also: Sequence[Statement] = ()) -> None:
        if not any(b.events for b in batches):
            return
        async with self.pool.connection() as conn:
            try:
                await _append_in_tx(conn, batches, fence, also)
            except pgerr.UniqueViolation as exc:
                raise ConcurrencyConflict(_stream_of(exc, batches), -1) from None
            except psycopg.Error as exc:
                if exc.sqlstate == "DGF01" and fence is not None:
                    raise Fenced(fence.run_id, fence.epoch) from None
                raise

    async def read_stream(self, stream_id: str, *, after_version: int = 0,
                          limit: int = 1000) -> list[StoredEvent]:
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                f"SELECT {_COLUMNS} FROM events WHERE stream_id=%s AND stream_version > %s "
                "ORDER BY stream_version LIMIT %s", (stream_id, after_version, limit))
            return [_stored(r) for r in await cur.fetchall()]

    async def read_all(self, *, after: tuple[int, int] = (0, 0),
                       limit: int = 1000) -> list[StoredEvent]:
        """Events committed after the cursor (tx_id, position), in commit-safe order.

        Only transactions below the snapshot's xmin are read: they are all
        finished, and any transaction still running has a larger id, so a
        reader that resumes from its cursor never skips a late commit."""
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                f"SELECT {_COLUMNS} FROM events "
                "WHERE (tx_id, position) > (%s::text::xid8, %s) "
                "AND tx_id < pg_snapshot_xmin(pg_current_snapshot()) "
                "ORDER BY tx_id, position LIMIT %s", (str(after[0]), after[1], limit))
            return [_stored(r) for r in await cur.fetchall()]


async def _append_in_tx(conn: psycopg.AsyncConnection, batches: Sequence[Batch],
                        fence: Fence | None, also: Sequence[Statement]) -> None:
    # BEGIN, the statements and COMMIT are queued in one pipeline and sent with
    # a single sync: one round trip. (psycopg's transaction() syncs at BEGIN
    # and at COMMIT.) A failing statement aborts the rest.
    statements: list[Statement] = [("BEGIN", None)]
    if fence is not None:
        statements.append(("SELECT duragraph_fence(%s, %s)", (fence.run_id, fence.epoch)))
    for batch in batches:
        for offset, event in enumerate(batch.events):
            statements.append(_insert(batch, offset, event))
            statements.extend(projections.statements(event))
    statements.extend(also)
    statements.append(("COMMIT", None))
    try:
        async with conn.pipeline():
            cur = conn.cursor()
            for sql, params in statements:
                await cur.execute(sql, params)
    except BaseException:
        await discard(conn)
        raise


async def discard(conn: psycopg.AsyncConnection) -> None:
    """After an aborted pipeline the connection goes: the statements it skipped
    can leave psycopg's prepared-statement cache naming statements the server
    never prepared. The pool replaces a closed connection. (Aborts are rare:
    conflicts and fenced writes.)"""
    await conn.close()


def _insert(batch: Batch, offset: int, event: DomainEvent) -> Statement:
    data = Jsonb(event.to_data())
    if batch.expected_version is None:
        return (_INSERT_NEXT, (uuid.uuid4(), batch.stream_id, event.name, data, Jsonb({}),
                               batch.stream_id))
    return (_INSERT, (uuid.uuid4(), batch.stream_id, batch.expected_version + offset + 1,
                      event.name, data, Jsonb({})))


def _stream_of(exc: pgerr.UniqueViolation, batches: Sequence[Batch]) -> str:
    detail = (exc.diag.message_detail or "")
    for b in batches:
        if b.stream_id in detail:
            return b.stream_id
    return batches[0].stream_id
