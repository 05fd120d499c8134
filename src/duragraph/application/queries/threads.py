from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg.types.json import Jsonb

from ...domain.errors import InvalidInput, NotFound
from ...domain.events import ThreadCreated
from ...domain.retention import Retention, StoredCheckpoint
from ...domain.statuses import ThreadStatus
from ..ports import Database
from .filters import Where, order_by, page, select_columns

COLUMNS = (
    "thread_id",
    "created_at",
    "updated_at",
    "state_updated_at",
    "metadata",
    "status",
    "values",
    "interrupts",
)
SORTABLE = ("thread_id", "status", "created_at", "updated_at", "state_updated_at")

# A thread's values: those of the run outcome event its row points at (less
# the `__interrupt__` a last streamed chunk may carry: domain.thread.state_values),
# else those set outside a run (projections/threads).
VALUES = """COALESCE((SELECT CASE WHEN jsonb_typeof(e.data->'values') = 'object'
                                THEN (e.data->'values') - '__interrupt__'
                                ELSE e.data->'values' END
                     FROM events e WHERE e.position = threads.values_event), threads.values)"""
_COMPUTED = {"values": VALUES}

# The `values` filter: containment in the event's data as a whole (no copy of
# its values: a search over 2,000 threads of 20 messages takes as long as on
# a column of values, against 4x with VALUES); the event's `__interrupt__`
# is not part of the thread's values, so a filter naming it matches no event.
_VALUES_CONTAIN = """CASE WHEN threads.values_event IS NULL THEN threads.values @> %s
    ELSE %s AND EXISTS (SELECT 1 FROM events e
                        WHERE e.position = threads.values_event AND e.data @> %s) END"""


async def get_thread(db: Database, thread_id: str) -> dict[str, Any]:
    row = await db.fetchone(
        f"SELECT {select_columns(None, COLUMNS, _COMPUTED)} FROM threads WHERE thread_id=%s",
        (thread_id,),
    )
    if row is None:
        raise NotFound("thread", thread_id)
    return row


def created_row(e: ThreadCreated) -> dict[str, Any]:
    """The row `get_thread` reads right after `e` committed, from the event
    (projections/threads.created writes it): no round trip."""
    return {
        "thread_id": e.thread_id,
        "created_at": e.at,
        "updated_at": e.at,
        "state_updated_at": e.at,
        "metadata": e.metadata,
        "status": ThreadStatus.idle.value,
        "values": None,
        "interrupts": {},
    }


async def thread_graph_id(db: Database, thread_id: str) -> str | None:
    """The graph that last ran on the thread, without reading its values
    (which grow with the thread)."""
    row = await db.fetchone(
        "SELECT metadata->>'graph_id' AS graph_id FROM threads WHERE thread_id=%s", (thread_id,)
    )
    if row is None:
        raise NotFound("thread", thread_id)
    return row["graph_id"]


def _where(
    metadata: dict | None,
    values: dict | None,
    status: str | None,
    ids: list[str] | None,
    visible: dict | None,
) -> Where:
    where = Where().contains("metadata", metadata).visible("metadata", visible)
    if values:
        where.add(
            _VALUES_CONTAIN,
            Jsonb(values),
            "__interrupt__" not in values,
            Jsonb({"values": values}),
        )
    if status:
        if status not in tuple(ThreadStatus):
            raise InvalidInput(f"status must be one of {', '.join(ThreadStatus)}")
        where.add("status = %s", status)
    if ids:
        where.add("thread_id = ANY(%s)", list(ids))
    return where


async def search_threads(
    db: Database,
    *,
    metadata: dict | None = None,
    values: dict | None = None,
    status: str | None = None,
    ids: list[str] | None = None,
    limit: int | None = 10,
    offset: int | None = 0,
    sort_by: str | None = None,
    sort_order: str | None = None,
    select: list[str] | None = None,
    visible: dict | None = None,
) -> list[dict[str, Any]]:
    """`visible`: the auth handler's filter, ANDed with the client's criteria."""
    where = _where(metadata, values, status, ids, visible)
    limit, offset = page(limit, offset)
    sql = (
        f"SELECT {select_columns(select, COLUMNS, _COMPUTED)} FROM threads {where.sql()} "
        f"{order_by(sort_by, sort_order, SORTABLE, 'created_at')} LIMIT %s OFFSET %s"
    )
    return await db.fetch(sql, (*where.params, limit, offset))


async def count_threads(
    db: Database,
    *,
    metadata: dict | None = None,
    values: dict | None = None,
    status: str | None = None,
    ids: list[str] | None = None,
    visible: dict | None = None,
) -> int:
    where = _where(metadata, values, status, ids, visible)
    row = await db.fetchone(f"SELECT count(*) AS n FROM threads {where.sql()}", where.params)
    return row["n"] if row else 0


async def expired_threads(db: Database, limit: int = 100) -> list[str]:
    rows = await db.fetch(
        "SELECT thread_id FROM thread_ttl WHERE expires_at <= now() ORDER BY expires_at LIMIT %s",
        (limit,),
    )
    return [r["thread_id"] for r in rows]


async def over_retention(
    db: Database, policy: Retention, now: datetime, limit: int = 100
) -> list[str]:
    """Threads with a namespace holding checkpoints the policy may drop (more
    than the latest and its parent, and too many or too old)."""
    rows = await db.fetch(
        """SELECT thread_id FROM checkpoints GROUP BY thread_id, checkpoint_ns
           HAVING count(*) > 2 AND (count(*) > %s::int OR min(created_at) < %s::timestamptz)
           ORDER BY min(created_at) LIMIT %s""",
        (policy.keep_last, policy.cutoff(now), limit),
    )
    return list(dict.fromkeys(r["thread_id"] for r in rows))


async def checkpoint_chain(db: Database, thread_id: str) -> list[StoredCheckpoint]:
    rows = await db.fetch(
        """SELECT checkpoint_ns, checkpoint_id, parent_checkpoint_id, created_at
           FROM checkpoints WHERE thread_id=%s""",
        (thread_id,),
    )
    return [StoredCheckpoint(**r) for r in rows]


async def thread_ttl(db: Database, thread_id: str) -> dict[str, Any] | None:
    return await db.fetchone(
        "SELECT strategy, ttl_minutes, expires_at FROM thread_ttl WHERE thread_id=%s", (thread_id,)
    )


async def require_checkpoint(
    db: Database, thread_id: str, checkpoint_id: str, checkpoint_ns: str = ""
) -> None:
    row = await db.fetchone(
        "SELECT 1 AS found FROM checkpoints WHERE thread_id=%s "
        "AND checkpoint_ns=%s AND checkpoint_id=%s",
        (thread_id, checkpoint_ns, checkpoint_id),
    )
    if row is None:
        raise NotFound("checkpoint", checkpoint_id)
