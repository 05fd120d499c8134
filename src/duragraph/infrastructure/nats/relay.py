"""The outbox relay: committed events to JetStream, in outbox order, at least once.

Each round claims unsent outbox rows under a transaction-scoped advisory lock
(several relays may run; one publishes at a time, which keeps the order),
publishes them with `Nats-Msg-Id` = event id (JetStream drops a re-publish
inside its duplicate window), and marks them sent in the same transaction.
The batch is sent in order on one connection and its acknowledgements are
awaited together; a failure stops the round at the first unacknowledged row:
the rows before it are marked sent, the rest wait for the next round. A round
costs two database round trips (claim, then mark and commit).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Sequence

import nats.errors
import orjson
import psycopg
from nats.aio.client import Client
from nats.js import JetStreamContext
from psycopg_pool import AsyncConnectionPool

from ...application.execution.placement import claimed_at_creation
from ..outages import is_outage
from ..postgres.batch import execute_batch
from ..postgres.database import PostgresDatabase
from ..postgres.event_store import discard
from ..postgres.stuck_sessions import end_stuck_lock_holder
from .errors import NATS_ERRORS, NatsUnavailable
from .pacing import Backoff, wait_any
from .subjects import event_subject, events_stream

log = logging.getLogger(__name__)

CHANNEL = "duragraph_outbox"
RELAY_LOCK = 7261_0002  # advisory lock key; 7261_0001 is the migrator's
_LISTEN_KEEPALIVE_S = 30.0
_PRUNE_LIMIT = 10_000

# Nothing is claimed unless this relay holds the lock (evaluated once).
_CLAIM = """
WITH relay AS (SELECT pg_try_advisory_xact_lock(%s) AS locked)
SELECT o.id, e.event_id, e.type, e.stream_id, e.stream_version, e.position, e.data,
       e.recorded_at, e.tx_id
FROM outbox o JOIN events e ON e.event_id = o.event_id
WHERE (SELECT locked FROM relay) AND o.sent_at IS NULL
ORDER BY o.id
LIMIT %s
FOR UPDATE OF o SKIP LOCKED"""

_MARK_SENT = "UPDATE outbox SET sent_at = now() WHERE id = ANY(%s)"

_PRUNE = """
DELETE FROM outbox WHERE id IN (
    SELECT id FROM outbox WHERE sent_at < now() - make_interval(secs => %s) LIMIT %s)"""


@dataclass(frozen=True, slots=True)
class OutboxRow:
    outbox_id: int
    event_id: uuid.UUID
    type: str
    stream_id: str
    version: int
    position: int
    data: dict[str, Any]
    at: datetime
    tx_id: Any

    def payload(self, data: Any = None) -> bytes:
        return orjson.dumps(
            {
                "id": self.event_id,
                "type": self.type,
                "stream_id": self.stream_id,
                "version": self.version,
                "position": self.position,
                "data": self.data if data is None else data,
                "at": self.at,
            },
            default=str,
        )


class OutboxRelay:
    def __init__(
        self,
        pool: AsyncConnectionPool,
        nc: Client,
        js: JetStreamContext,
        database_url: str,
        prefix: str,
        *,
        poll_interval: float = 1.0,
        batch_size: int = 256,
        publish_timeout: float = 5.0,
        keep_sent_s: float = 6 * 3600,
        prune_every_s: float = 600,
        coalesce_s: float = 0.002,
        idle: asyncio.Event | None = None,
        busy_wait_s: float = 0.02,
        stalled_holder_s: float = 30.0,
    ) -> None:
        self.pool, self.nc, self.js = pool, nc, js
        self.database_url, self.prefix = database_url, prefix
        self.stream = events_stream(prefix)
        self.poll_interval, self.batch_size = poll_interval, batch_size
        self.publish_timeout = publish_timeout
        self.keep_sent_s, self.prune_every_s = keep_sent_s, prune_every_s
        self.coalesce_s = coalesce_s  # gather a few commits into one round
        # Set while this process executes no run: a round waits for it (up to
        # `busy_wait_s`), so it does not take the cores from a run in flight,
        # and under load one round relays the commits of many runs.
        self.idle, self.busy_wait_s = idle, busy_wait_s
        # A relay frozen mid-round keeps the lock: after this long it is ended.
        self.stalled_holder_s = stalled_holder_s
        self._wake = asyncio.Event()
        self._next_prune = self._next_unblock = 0.0

    async def run(self, stop: asyncio.Event) -> None:
        listener = asyncio.create_task(self._listen(stop), name="outbox-listener")
        try:
            await self._relay(stop)
        finally:
            listener.cancel()
            await asyncio.gather(listener, return_exceptions=True)

    async def drain_once(self) -> int:
        """Publish one batch; the number published. 0 when another relay holds
        the lock. Raises (after committing what was published) on failure."""
        if not self.nc.is_connected:
            raise NatsUnavailable("not connected to NATS")
        async with self.pool.connection() as conn:
            try:
                rows = await _claim(conn, self.batch_size)
                sent, failure = await self._publish(rows)
                await _mark_sent(conn, sent)
            except BaseException:
                await discard(conn)  # see event_store.discard
                raise
        if failure is not None:
            raise failure
        return len(sent)

    async def _relay(self, stop: asyncio.Event) -> None:
        backoff = Backoff(cap=5.0)
        while not stop.is_set():
            self._wake.clear()
            try:
                while await self.drain_once() == self.batch_size and not stop.is_set():
                    pass  # a backlog: keep going without waiting
                await self._prune_if_due()
                await self._unblock_if_due()
            except Exception as exc:  # any failure: rows stay unsent, retry later
                delay = backoff.next()
                _log_failure("outbox relay: publishing failed", exc, delay)
                await wait_any(stop, timeout=delay)
                continue
            backoff.reset()
            await wait_any(stop, self._wake, timeout=self.poll_interval)
            await asyncio.sleep(self.coalesce_s)
            if self.idle is not None:
                await wait_any(stop, self.idle, timeout=self.busy_wait_s)

    async def _publish(self, rows: Sequence[OutboxRow]) -> tuple[list[int], Exception | None]:
        # Tasks start in order, so the messages leave in order on the one
        # connection; only the acknowledgements are awaited together.
        claimed = claimed_at_creation(
            (r.outbox_id, r.tx_id, r.type, r.data.get("run_id")) for r in rows
        )
        results = await asyncio.gather(
            *(self._publish_row(r, r.outbox_id in claimed) for r in rows), return_exceptions=True
        )
        sent: list[int] = []
        for row, result in zip(rows, results, strict=True):
            if isinstance(result, BaseException):  # stop: skipping would break the order
                if isinstance(result, NATS_ERRORS):
                    return sent, result
                raise result
            sent.append(row.outbox_id)
        return sent, None

    async def _publish_row(self, row: OutboxRow, claimed: bool) -> None:
        """`claimed`: a run claimed at its creation, not for dispatch (see
        application/execution/placement.py)."""
        subject = event_subject(self.prefix, row.type, claimed=claimed)
        headers = {"Nats-Msg-Id": str(row.event_id)}
        payload = row.payload()
        try:
            await self.js.publish(
                subject, payload, headers=headers, stream=self.stream, timeout=self.publish_timeout
            )
        except nats.errors.MaxPayloadError:
            # Never block the outbox on one huge event: relay its identity;
            # readers needing the rest load it from PostgreSQL by id.
            log.warning(
                "event %s (%s) exceeds the NATS payload limit (%d bytes); relaying its ids only",
                row.event_id,
                row.type,
                len(payload),
            )
            await self.js.publish(
                subject,
                row.payload(_ids_only(row.data)),
                headers=headers,
                stream=self.stream,
                timeout=self.publish_timeout,
            )

    async def _prune_if_due(self) -> None:
        now = time.monotonic()
        if now < self._next_prune:
            return
        self._next_prune = now + self.prune_every_s
        async with self.pool.connection() as conn:
            cur = await conn.execute(_PRUNE, (self.keep_sent_s, _PRUNE_LIMIT))
        if cur.rowcount:
            log.debug("outbox relay: pruned %d sent rows", cur.rowcount)

    async def _unblock_if_due(self) -> None:
        now = time.monotonic()
        if now >= self._next_unblock:
            self._next_unblock = now + self.stalled_holder_s / 3
            await end_stuck_lock_holder(
                PostgresDatabase(self.pool), RELAY_LOCK, self.stalled_holder_s
            )

    async def _listen(self, stop: asyncio.Event) -> None:
        backoff = Backoff(cap=5.0)
        while not stop.is_set():
            try:
                await self._listen_until_lost(backoff)
            except (psycopg.Error, OSError) as exc:
                delay = backoff.next()
                _log_failure("outbox relay: LISTEN connection lost, polling meanwhile", exc, delay)
                await wait_any(stop, timeout=delay)

    async def _listen_until_lost(self, backoff: Backoff) -> None:
        async with await psycopg.AsyncConnection.connect(
            self.database_url, autocommit=True
        ) as conn:
            await conn.execute(f"LISTEN {CHANNEL}")
            backoff.reset()
            self._wake.set()  # catch up on what committed while we were not listening
            while True:
                async for _ in conn.notifies(timeout=_LISTEN_KEEPALIVE_S):
                    self._wake.set()
                await conn.execute("SELECT 1")  # a silently dropped link surfaces here


async def _claim(conn: psycopg.AsyncConnection, limit: int) -> list[OutboxRow]:
    """Open the transaction and claim a batch: one round trip. The "sent"
    marks need no fsync: losing one only means a re-publish, which JetStream drops."""
    rows = await execute_batch(
        conn,
        [
            ("BEGIN", None),
            ("SET LOCAL synchronous_commit = off", None),
            (_CLAIM, (RELAY_LOCK, limit)),
        ],
    )
    return [OutboxRow(*row) for row in rows]


async def _mark_sent(conn: psycopg.AsyncConnection, sent: list[int]) -> None:
    await execute_batch(conn, [*([(_MARK_SENT, (sent,))] if sent else []), ("COMMIT", None)])


def _ids_only(data: dict[str, Any]) -> dict[str, Any]:
    kept = {k: v for k, v in data.items() if k.endswith("_id") or k in ("at", "epoch")}
    return {**kept, "truncated": True}


def _log_failure(what: str, exc: BaseException, delay: float) -> None:
    log.warning(
        "%s (%s: %s); retrying in %.1fs",
        what,
        type(exc).__name__,
        exc,
        delay,
        exc_info=not is_outage(exc),
    )
