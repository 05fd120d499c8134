"""The PostgreSQL event store.

`save` appends an aggregate's pending events with optimistic concurrency:
the unique (stream_id, stream_version) turns a stale writer into a
ConcurrencyConflict, and so does a stream the decision read but does not
append to (`unchanged`) that moved meanwhile. Outbox rows come from a trigger
and projections are updated in the same transaction, pipelined into one
round trip. Every event records who acted (application.acting's current
actor) in its metadata. Streams read or written here are cached (see
stream_cache) for `load_many(..., cached=True)`.
"""

from __future__ import annotations

import uuid
from typing import Any, Sequence, TypeVar

import psycopg
from psycopg import errors as pgerr
from psycopg.types.json import Jsonb

from ... import projections
from ...application.acting import current_actor
from ...application.ports import Fence, LeaseChange, Statement, StoredEvent, StreamAppend
from ...domain.aggregate import Aggregate
from ...domain.errors import ConcurrencyConflict, Fenced
from ...domain.events import from_data
from . import database
from .batch import execute_batch
from .bulkhead import Connections
from .checkpoints import blobs as checkpoint_blobs
from .leases import lease_statement
from .stream_cache import StreamCache

A = TypeVar("A", bound=Aggregate)

# A batch's events in one statement, numbered after `base`: the expected
# version, or for streams with a single logical writer and no aggregate
# (checkpoints) the stream's current version, read here (a racing writer
# still conflicts). Rows are inserted, and so numbered by position, in order.
# Every event of a transaction carries the same metadata: who acted.
_INSERT = """
INSERT INTO events (event_id, stream_id, stream_version, type, data, metadata)
SELECT v.id, %s, {base} + v.n, v.type, v.data, %s::jsonb
FROM (VALUES {rows}) AS v(id, n, type, data)
ORDER BY v.n"""
_ROW = "(%s::uuid, %s::int, %s, %s::jsonb)"
_NEXT = "(SELECT COALESCE(MAX(stream_version), 0) FROM events WHERE stream_id = %s)"


_COLUMNS = (
    "position, tx_id::text::bigint, event_id, stream_id, stream_version, type, data, recorded_at"
)


def _stored(row: tuple) -> StoredEvent:
    return StoredEvent(*row)


class PostgresEventStore:
    def __init__(self, pool: Connections, cache: StreamCache | None = None) -> None:
        """`cache`: another store's, for a second store over another share of
        the same pool (see bulkhead)."""
        self.pool = pool
        self.cache = cache if cache is not None else StreamCache()

    async def load(self, cls: type[A], ident: str) -> A:
        (aggregate,) = await self.load_many((cls, ident))
        assert isinstance(aggregate, cls)
        return aggregate

    async def load_many(
        self, *wanted: tuple[type[Aggregate], str], cached: bool = False
    ) -> list[Aggregate]:
        """Several aggregates in one round trip; none at all if `cached` and
        the cache holds them all (possibly stale: see stream_cache)."""
        aggregates = [cls(ident) for cls, ident in wanted]
        by_stream = {a.stream_id(a.id): a for a in aggregates}
        if cached and self._from_cache(by_stream):
            return aggregates
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT stream_id, type, data FROM events WHERE stream_id = ANY(%s) "
                "ORDER BY stream_id, stream_version",
                (list(by_stream),),
            )
            rows = await cur.fetchall()
        for stream_id, type_, data in rows:
            by_stream[stream_id].apply(from_data(type_, data))
        for stream_id in by_stream:
            self.cache.loaded(stream_id, [(t, d) for s, t, d in rows if s == stream_id])
        return aggregates

    def _from_cache(self, by_stream: dict[str, Aggregate]) -> bool:
        known = {stream_id: self.cache.events(stream_id) for stream_id in by_stream}
        if any(events is None for events in known.values()):
            return False
        for stream_id, events in known.items():
            for event in events or ():
                by_stream[stream_id].apply(event)
        return True

    async def save(
        self,
        *aggregates: Aggregate,
        fence: Fence | None = None,
        extra: Sequence[StreamAppend] = (),
        leases: Sequence[LeaseChange] = (),
        unchanged: Sequence[Aggregate] = (),
        cache: bool = True,
    ) -> None:
        """Append the aggregates' pending events after the `extra` batches (facts
        that happened before them); `leases` are changes to executors' leases
        that must commit or fail with them; `unchanged` are aggregates the
        decision read, which must still be at the version it saw. `cache`
        False: another process carries the streams on, keep none of them."""
        batches = StreamAppend.pending(aggregates)
        try:
            await self.append(
                [*extra, *batches],
                fence=fence,
                leases=leases,
                cache=cache,
                expect=[(a.stream_id(a.id), a.version) for a in unchanged],
            )
        except BaseException:
            self.cache.forget(a.stream_id(a.id) for a in unchanged)
            raise
        for a in aggregates:
            a.pending.clear()

    async def append(
        self,
        batches: Sequence[StreamAppend],
        *,
        fence: Fence | None = None,
        leases: Sequence[LeaseChange] = (),
        expect: Sequence[tuple[str, int]] = (),
        cache: bool = True,
    ) -> None:
        """The batches in one transaction, with the `leases` changes, if every
        (stream, version) of `expect` still holds."""
        if not any(b.events for b in batches):
            return
        try:
            async with self.pool.connection() as conn:
                await self._append(
                    conn,
                    batches,
                    fence,
                    [
                        *(_expect(stream_id, version) for stream_id, version in expect),
                        *map(lease_statement, leases),
                    ],
                )
        except BaseException:
            self.cache.forget([b.stream_id for b in batches])
            raise
        for b in batches:
            if b.expected_version is None or not cache:
                self.cache.forget([b.stream_id])
            else:
                self.cache.appended(b.stream_id, b.expected_version, b.events)

    async def _append(
        self,
        conn: psycopg.AsyncConnection,
        batches: Sequence[StreamAppend],
        fence: Fence | None,
        also: Sequence[Statement],
    ) -> None:
        try:
            await _append_in_tx(conn, batches, fence, also)
        except pgerr.UniqueViolation as exc:
            raise ConcurrencyConflict(_stream_of(exc, batches), -1) from None
        except pgerr.DeadlockDetected:  # rolled back whole, like a conflict: decide again
            raise ConcurrencyConflict(batches[0].stream_id, -1) from None
        except psycopg.Error as exc:
            if exc.sqlstate == "DGC01":
                raise ConcurrencyConflict(exc.diag.message_primary or "", -1) from None
            if exc.sqlstate == "DGF01" and fence is not None:
                raise Fenced(fence.run_id, fence.epoch) from None
            raise

    async def read_stream(
        self, stream_id: str, *, after_version: int = 0, limit: int = 1000
    ) -> list[StoredEvent]:
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                f"SELECT {_COLUMNS} FROM events WHERE stream_id=%s AND stream_version > %s "
                "ORDER BY stream_version LIMIT %s",
                (stream_id, after_version, limit),
            )
            return [_stored(r) for r in await cur.fetchall()]

    async def read_all(
        self, *, after: tuple[int, int] = (0, 0), limit: int = 1000
    ) -> list[StoredEvent]:
        """Events committed after the cursor (tx_id, position), in commit-safe order.

        Only transactions below the snapshot's xmin are read: they are all
        finished, and any transaction still running has a larger id, so a
        reader that resumes from its cursor never skips a late commit."""
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                f"SELECT {_COLUMNS} FROM events "
                "WHERE (tx_id, position) > (%s::text::xid8, %s) "
                "AND tx_id < pg_snapshot_xmin(pg_current_snapshot()) "
                "ORDER BY tx_id, position LIMIT %s",
                (str(after[0]), after[1], limit),
            )
            return [_stored(r) for r in await cur.fetchall()]


async def _append_in_tx(
    conn: psycopg.AsyncConnection,
    batches: Sequence[StreamAppend],
    fence: Fence | None,
    also: Sequence[Statement],
) -> None:
    # BEGIN, the statements and COMMIT go in one message: one round trip.
    # A failing statement aborts the rest. The events go first: writers of
    # one stream meet at its (stream, version) key before they take any row
    # lock, so they conflict instead of deadlocking. The fence comes next,
    # before the projections change the run's row.
    statements: list[Statement] = [("BEGIN", None)]
    metadata = Jsonb(current_actor.get().to_metadata())
    statements.extend(_insert(batch, metadata) for batch in batches if batch.events)
    if fence is not None:
        statements.append(("SELECT duragraph_fence(%s, %s)", (fence.run_id, fence.epoch)))
    for batch in batches:
        statements.extend(projections.batch_statements(batch.events))
    statements.extend(checkpoint_blobs.statements([e for b in batches for e in b.events]))
    statements.extend(also)
    statements.append(("COMMIT", None))
    try:
        await execute_batch(conn, statements)
    except BaseException:
        await discard(conn)
        raise


async def discard(conn: psycopg.AsyncConnection) -> None:
    """After an aborted pipeline the connection goes: the statements it skipped
    can leave psycopg's prepared-statement cache naming statements the server
    never prepared. The pool replaces a closed connection. (Aborts are rare:
    conflicts and fenced writes.)"""
    await database.discard(conn)


def _expect(stream_id: str, version: int) -> Statement:
    return "SELECT duragraph_expect_version(%s, %s)", (stream_id, version)


def _insert(batch: StreamAppend, metadata: Jsonb) -> Statement:
    latest = batch.expected_version is None
    sql = _INSERT.format(
        base=_NEXT if latest else "%s::int", rows=", ".join([_ROW] * len(batch.events))
    )
    params: list[Any] = [
        batch.stream_id,
        batch.stream_id if latest else batch.expected_version,
        metadata,
    ]
    for n, event in enumerate(batch.events, 1):
        params += [uuid.uuid4(), n, event.name, Jsonb(event.to_data())]
    return sql, tuple(params)


def _stream_of(exc: pgerr.UniqueViolation, batches: Sequence[StreamAppend]) -> str:
    detail = exc.diag.message_detail or ""
    for b in batches:
        if b.stream_id in detail:
            return b.stream_id
    return batches[0].stream_id
