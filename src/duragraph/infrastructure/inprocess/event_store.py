"""The event store in memory: the fake that command handlers' unit tests run
on. It keeps the PostgreSQL store's contract (tests/integration/
test_event_store_contract.py runs against both): versions per stream, a stale
writer's ConcurrencyConflict, all-or-nothing appends, global positions.

Lease changes committed with the events (a claim's grant, an outcome's
release) go to its own lease table, `leases`: run id -> the lease held. It has
no SQL, so no projections, and it refuses what only SQL can do: a `fence`
(checked against the runs projection) raises NotImplementedError rather than
being skipped."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from typing import Sequence, TypeVar

from ...application.ports import Fence, GrantLease, LeaseChange, StoredEvent, StreamAppend
from ...domain.aggregate import Aggregate
from ...domain.errors import ConcurrencyConflict

A = TypeVar("A", bound=Aggregate)


class MemoryEventStore:
    def __init__(self) -> None:
        self.log: list[StoredEvent] = []
        self.leases: dict[str, GrantLease] = {}
        self._tx_id = 0

    async def load(self, cls: type[A], ident: str) -> A:
        (aggregate,) = await self.load_many((cls, ident))
        assert isinstance(aggregate, cls)
        return aggregate

    async def load_many(
        self, *wanted: tuple[type[Aggregate], str], cached: bool = False
    ) -> list[Aggregate]:
        aggregates = [cls(ident) for cls, ident in wanted]
        for a in aggregates:
            for stored in self._stream(a.stream_id(a.id)):
                a.apply(stored.event)
        return aggregates

    async def save(
        self,
        *aggregates: Aggregate,
        fence: Fence | None = None,
        extra: Sequence[StreamAppend] = (),
        leases: Sequence[LeaseChange] = (),
        unchanged: Sequence[Aggregate] = (),
        cache: bool = True,
    ) -> None:
        for a in unchanged:
            if self._version(a.stream_id(a.id)) != a.version:
                raise ConcurrencyConflict(a.stream_id(a.id), a.version)
        batches = StreamAppend.pending(aggregates)
        await self.append([*extra, *batches], fence=fence, leases=leases)
        for a in aggregates:
            a.pending.clear()

    async def append(
        self,
        batches: Sequence[StreamAppend],
        *,
        fence: Fence | None = None,
        leases: Sequence[LeaseChange] = (),
        cache: bool = True,
    ) -> None:
        if fence is not None:
            raise NotImplementedError("fences need the PostgreSQL store")
        if not any(b.events for b in batches):
            return
        self._tx_id += 1
        rows: list[StoredEvent] = []  # committed only if every batch fits
        for b in batches:
            version = self._version(b.stream_id, rows)
            if b.expected_version is not None and b.expected_version != version:
                raise ConcurrencyConflict(b.stream_id, b.expected_version)
            for n, event in enumerate(b.events, version + 1):
                rows.append(
                    StoredEvent(
                        position=len(self.log) + len(rows) + 1,
                        tx_id=self._tx_id,
                        event_id=uuid.uuid4(),
                        stream_id=b.stream_id,
                        version=n,
                        type=event.name,
                        data=json.loads(json.dumps(event.to_data())),  # as stored: JSON
                        recorded_at=datetime.now(timezone.utc),
                    )
                )
        self.log.extend(rows)
        for change in leases:
            self._apply(change)

    def _apply(self, change: LeaseChange) -> None:
        """As PostgreSQL's statements do (see postgres/leases.py): a grant
        replaces the run's lease, a release drops it if still of its epoch."""
        if isinstance(change, GrantLease):
            self.leases[change.run_id] = change
        elif (held := self.leases.get(change.run_id)) and held.epoch == change.epoch:
            del self.leases[change.run_id]

    async def read_stream(
        self, stream_id: str, *, after_version: int = 0, limit: int = 1000
    ) -> list[StoredEvent]:
        return [e for e in self._stream(stream_id) if e.version > after_version][:limit]

    async def read_all(
        self, *, after: tuple[int, int] = (0, 0), limit: int = 1000
    ) -> list[StoredEvent]:
        return [e for e in self.log if (e.tx_id, e.position) > after][:limit]

    def _stream(self, stream_id: str) -> list[StoredEvent]:
        return [e for e in self.log if e.stream_id == stream_id]

    def _version(self, stream_id: str, staged: Sequence[StoredEvent] = ()) -> int:
        return max((e.version for e in (*self.log, *staged) if e.stream_id == stream_id), default=0)
