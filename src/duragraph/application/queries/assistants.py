from __future__ import annotations

from typing import Any

from ...domain.errors import NotFound
from ..ports import Database
from .filters import Where, order_by, page, select_columns

COLUMNS = (
    "assistant_id",
    "graph_id",
    "name",
    "description",
    "config",
    "context",
    "metadata",
    "version",
    "created_at",
    "updated_at",
)
SORTABLE = ("assistant_id", "graph_id", "name", "created_at", "updated_at")


async def get_assistant(db: Database, assistant_id: str) -> dict[str, Any]:
    row = await db.fetchone(
        f"SELECT {', '.join(COLUMNS)} FROM assistants WHERE assistant_id=%s", (assistant_id,)
    )
    if row is None:
        raise NotFound("assistant", assistant_id)
    return row


def _where(
    graph_id: str | None, metadata: dict | None, name: str | None, visible: dict | None
) -> Where:
    where = Where().contains("metadata", metadata).visible("metadata", visible)
    if graph_id:
        where.add("graph_id = %s", graph_id)
    if name:
        where.add("name ILIKE %s", f"%{name}%")
    return where


async def search_assistants(
    db: Database,
    *,
    graph_id: str | None = None,
    metadata: dict | None = None,
    name: str | None = None,
    limit: int | None = 10,
    offset: int | None = 0,
    sort_by: str | None = None,
    sort_order: str | None = None,
    select: list[str] | None = None,
    visible: dict | None = None,
) -> tuple[list[dict[str, Any]], int | None]:
    """One page of assistants and the offset of the next page (None: the last);
    `visible`: the caller's auth filter on their metadata."""
    where = _where(graph_id, metadata, name, visible)
    limit, offset = page(limit, offset)
    sql = (
        f"SELECT {select_columns(select, COLUMNS)} FROM assistants {where.sql()} "
        f"{order_by(sort_by, sort_order, SORTABLE, 'created_at')} LIMIT %s OFFSET %s"
    )
    rows = await db.fetch(sql, (*where.params, limit + 1, offset))
    return rows[:limit], (offset + limit if len(rows) > limit else None)


async def count_assistants(
    db: Database,
    *,
    graph_id: str | None = None,
    metadata: dict | None = None,
    name: str | None = None,
    visible: dict | None = None,
) -> int:
    where = _where(graph_id, metadata, name, visible)
    row = await db.fetchone(f"SELECT count(*) AS n FROM assistants {where.sql()}", where.params)
    return row["n"] if row else 0


async def list_versions(
    db: Database,
    assistant_id: str,
    *,
    metadata: dict | None = None,
    limit: int | None = 10,
    offset: int | None = 0,
    visible: dict | None = None,
) -> list[dict[str, Any]]:
    """`visible`: the caller's auth filter, on each version's own metadata."""
    where = (
        Where()
        .add("assistant_id = %s", assistant_id)
        .contains("metadata", metadata)
        .visible("metadata", visible)
    )
    limit, offset = page(limit, offset)
    return await db.fetch(
        "SELECT assistant_id, version, graph_id, name, description, config, context, metadata, "
        f"created_at FROM assistant_versions {where.sql()} ORDER BY version DESC "
        "LIMIT %s OFFSET %s",
        (*where.params, limit, offset),
    )


async def thread_ids_of(db: Database, assistant_id: str) -> list[str]:
    """Threads whose runs used this assistant (the official server marks them so)."""
    rows = await db.fetch(
        "SELECT thread_id FROM threads WHERE metadata->>'assistant_id' = %s", (assistant_id,)
    )
    return [row["thread_id"] for row in rows]


async def thread_assistant_config(db: Database, thread_id: str) -> dict[str, Any]:
    """The config of the assistant the thread last ran ({} before any run, or
    once that assistant is deleted)."""
    row = await db.fetchone(
        "SELECT a.config FROM threads t JOIN assistants a "
        "ON a.assistant_id = t.metadata->>'assistant_id' WHERE t.thread_id = %s",
        (thread_id,),
    )
    return row["config"] if row else {}
