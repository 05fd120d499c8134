from __future__ import annotations

from datetime import datetime
from typing import Any

from ...domain.errors import NotFound
from ..ports import Database
from .filters import Where, order_by, page, select_columns
from .visibility import compile_filter

COLUMNS = (
    "cron_id",
    "assistant_id",
    "thread_id",
    "on_run_completed",
    "end_time",
    "schedule",
    "timezone",
    "created_at",
    "updated_at",
    "user_id",
    "payload",
    "next_run_date",
    "metadata",
    "enabled",
)
SORTABLE = (
    "cron_id",
    "assistant_id",
    "thread_id",
    "next_run_date",
    "end_time",
    "created_at",
    "updated_at",
)


async def get_cron(db: Database, cron_id: str) -> dict[str, Any]:
    row = await db.fetchone(f"SELECT {', '.join(COLUMNS)} FROM crons WHERE cron_id=%s", (cron_id,))
    if row is None:
        raise NotFound("cron", cron_id)
    return row


async def crons_on_thread(db: Database, thread_id: str) -> list[str]:
    rows = await db.fetch("SELECT cron_id FROM crons WHERE thread_id=%s", (thread_id,))
    return [r["cron_id"] for r in rows]


def _where(
    assistant_id: str | None,
    thread_id: str | None,
    enabled: bool | None,
    metadata: dict | None,
    visible: dict | None,
    thread_visible: dict | None,
) -> Where:
    where = Where().contains("metadata", metadata).visible("metadata", visible)
    _on_visible_threads(where, thread_visible)
    if assistant_id:
        where.add("assistant_id = %s", assistant_id)
    if thread_id:
        where.add("thread_id = %s", thread_id)
    if enabled is not None:
        where.add("enabled = %s", enabled)
    return where


def _on_visible_threads(where: Where, flt: dict | None) -> None:
    """A thread cron shows only if its thread passes the caller's thread
    filter; a stateless cron (a new thread per tick) has none to pass."""
    if flt:
        sql, params = compile_filter("t.metadata", flt)
        where.add(
            "(crons.thread_id IS NULL OR EXISTS (SELECT 1 FROM threads t "
            f"WHERE t.thread_id = crons.thread_id AND {sql}))",
            *params,
        )


async def search_crons(
    db: Database,
    *,
    assistant_id: str | None = None,
    thread_id: str | None = None,
    enabled: bool | None = None,
    metadata: dict | None = None,
    limit: int | None = 10,
    offset: int | None = 0,
    sort_by: str | None = None,
    sort_order: str | None = None,
    select: list[str] | None = None,
    visible: dict | None = None,
    thread_visible: dict | None = None,
) -> list[dict[str, Any]]:
    """`visible`, `thread_visible`: the caller's auth filters on the crons'
    metadata and on their threads' metadata."""
    where = _where(assistant_id, thread_id, enabled, metadata, visible, thread_visible)
    limit, offset = page(limit, offset)
    sql = (
        f"SELECT {select_columns(select, COLUMNS)} FROM crons {where.sql()} "
        f"{order_by(sort_by, sort_order, SORTABLE, 'created_at')}, cron_id "
        "LIMIT %s OFFSET %s"
    )
    return await db.fetch(sql, (*where.params, limit, offset))


async def count_crons(
    db: Database,
    *,
    assistant_id: str | None = None,
    thread_id: str | None = None,
    metadata: dict | None = None,
    visible: dict | None = None,
    thread_visible: dict | None = None,
) -> int:
    where = _where(assistant_id, thread_id, None, metadata, visible, thread_visible)
    row = await db.fetchone(f"SELECT count(*) AS n FROM crons {where.sql()}", where.params)
    return row["n"] if row else 0


async def due_crons(db: Database, now: datetime, *, limit: int = 100) -> list[str]:
    """Enabled crons whose next tick has come (and is not past end_time),
    oldest tick first."""
    rows = await db.fetch(
        "SELECT cron_id FROM crons WHERE enabled AND next_run_date <= %s "
        "AND (end_time IS NULL OR next_run_date <= end_time) "
        "ORDER BY next_run_date LIMIT %s",
        (now, limit),
    )
    return [r["cron_id"] for r in rows]
