"""Online archival of the event log: events that nothing kept depends on are
written to a gzip JSON-lines file and deleted from `events`, in batches,
while the servers run.

Archivable, once older than the cutoff:
- `checkpoint.saved` / `checkpoint.writes_saved` of a checkpoint that no
  longer has a row (pruned, deleted, its thread deleted). Checkpoint ids are
  never reused, so such a row never comes back, and a rebuild without these
  events leaves the same (absent) rows. The audit routes never show them.
- the events of a stream that ended in its deletion (a thread, assistant,
  cron or store item), all but that last event: projections hold nothing of
  the stream, and the tombstone keeps the stream's version and the
  aggregate's "deleted earlier life" for a re-creation under the same id;
  and, for a deleted thread, the checkpoint events and run steps recorded
  about it before its deletion.

Never archived: an event whose outbox row is unsent (the relay still has to
publish it), the lifecycle events of a run whose webhook is still to be
delivered (its payload is read from them). A stateless run's result (`join`
after its temporary thread is gone) is read from its events too, so it stays
readable for as long as the cutoff."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

import orjson
from psycopg_pool import AsyncConnectionPool

BATCH = 1000
TOMBSTONES = (
    "thread.deleted",
    "assistant.deleted",
    "cron.deleted",
    "store.item_deleted",
    "store.item_expired",
)

_SUPERSEDED_CHECKPOINTS = """
SELECT e.position FROM events e
WHERE e.type IN ('checkpoint.saved', 'checkpoint.writes_saved') AND e.recorded_at < %(cutoff)s
  AND NOT EXISTS (SELECT 1 FROM checkpoints c WHERE c.thread_id = e.data->>'thread_id'
                  AND c.checkpoint_ns = e.data->>'checkpoint_ns'
                  AND c.checkpoint_id = e.data->>'checkpoint_id')
  AND NOT EXISTS (SELECT 1 FROM checkpoint_writes w WHERE w.thread_id = e.data->>'thread_id'
                  AND w.checkpoint_ns = e.data->>'checkpoint_ns'
                  AND w.checkpoint_id = e.data->>'checkpoint_id')"""

# A deleted thread's checkpoint events are read by their stream
# (checkpoints.codec.stream_of: `checkpoint.saved` and `checkpoint.writes_saved`
# are in no thread index, migration 012), its run steps by the thread index.
_BEFORE_DELETION = """
WITH ended AS (
  SELECT t.stream_id, t.stream_version, t.position, t.type, t.data->>'thread_id' AS thread_id
  FROM events t
  WHERE t.type = ANY(%(tombstones)s) AND t.recorded_at < %(cutoff)s
    AND t.stream_version = (SELECT max(x.stream_version) FROM events x
                            WHERE x.stream_id = t.stream_id))
SELECT e.position FROM events e JOIN ended d
  ON e.stream_id = d.stream_id AND e.stream_version < d.stream_version
UNION
SELECT e.position FROM events e JOIN ended d
  ON d.type = 'thread.deleted' AND e.stream_id = 'checkpoints-' || d.thread_id
 AND e.position < d.position
UNION
SELECT e.position FROM events e JOIN ended d
  ON d.type = 'thread.deleted' AND e.data ? 'thread_id' AND e.data->>'thread_id' = d.thread_id
 AND e.type NOT IN ('checkpoint.saved', 'checkpoint.writes_saved')
 AND e.position < d.position AND e.stream_id <> d.stream_id
 AND (e.type LIKE 'checkpoint.%%' OR e.type = 'run.step_completed')"""

_DELETE = """
DELETE FROM events e
WHERE e.position = ANY(%(positions)s)
  AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.event_id = e.event_id AND o.sent_at IS NULL)
  AND NOT (e.data ? 'run_id' AND EXISTS (
        SELECT 1 FROM webhook_deliveries w WHERE w.run_id = e.data->>'run_id'
          AND w.delivered_at IS NULL AND w.failed_at IS NULL))
RETURNING e.position, e.tx_id::text, e.event_id::text, e.stream_id, e.stream_version, e.type,
          e.data, e.metadata, e.recorded_at"""


class Sink(Protocol):
    """Where archived lines go (a gzip file)."""

    def write(self, data: bytes, /) -> int: ...

    def flush(self) -> None: ...


_FIELDS = (
    "position",
    "tx_id",
    "event_id",
    "stream_id",
    "stream_version",
    "type",
    "data",
    "metadata",
    "recorded_at",
)


async def archivable(pool: AsyncConnectionPool, cutoff: datetime) -> list[int]:
    """Positions of the events archivable now, oldest first."""
    params = {"cutoff": cutoff, "tombstones": list(TOMBSTONES)}
    found: set[int] = set()
    async with pool.connection() as conn:
        for query in (_SUPERSEDED_CHECKPOINTS, _BEFORE_DELETION):
            cur = await conn.execute(query, params)
            found.update(row[0] for row in await cur.fetchall())
    return sorted(found)


async def archive_events(
    pool: AsyncConnectionPool, older_than_days: float, out: Sink, batch: int = BATCH
) -> int:
    """Moves the archivable events to `out`, one JSON object a line, a batch
    per transaction; returns how many. A batch is written before its delete
    commits: if the commit fails, its lines name events still in the log."""
    cutoff = datetime.now(timezone.utc) - timedelta(days=older_than_days)
    positions = await archivable(pool, cutoff)
    moved = 0
    for start in range(0, len(positions), batch):
        moved += await _move(pool, positions[start : start + batch], out)
    return moved


async def _move(pool: AsyncConnectionPool, positions: Sequence[int], out: Sink) -> int:
    async with pool.connection() as conn, conn.transaction():
        cur = await conn.execute(_DELETE, {"positions": list(positions)})
        rows = await cur.fetchall()
        for row in rows:
            out.write(orjson.dumps(_line(row)) + b"\n")
        out.flush()
    return len(rows)


def _line(row: Sequence[Any]) -> dict[str, Any]:
    line = dict(zip(_FIELDS, row, strict=True))
    line["recorded_at"] = line["recorded_at"].isoformat()
    return line
