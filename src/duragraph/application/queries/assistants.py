from __future__ import annotations

from typing import Any

from ...domain.errors import NotFound
from ..ports import Database
from .filters import Where, order_by, page, select_columns

COLUMNS = ("assistant_id", "graph_id", "name", "description", "config", "context",
           "metadata", "version", "created_at", "updated_at")
SORTABLE = ("assistant_id", "graph_id", "name", "created_at", "updated_at")


async def get_assistant(db: Database, assistant_id: str) -> dict[str, Any]:
    row = await db.fetchone(f"SELECT {', '.join(COLUMNS)} FROM assistants WHERE assistant_id=%s",
                            (assistant_id,))
    if row is None:
        raise NotFound("assistant", assistant_id)
    return row


def _where(graph_id: str | None, metadata: dict | None, name: str | None) -> Where:
    where = Where().contains("metadata", metadata)
    if graph_id:
        where.add("graph_id = %s", graph_id)
    if name:
        where.add("name ILIKE %s", f"%{name}%")
    return where


async def search_assistants(db: Database, *, graph_id: str | None = None,
                            metadata: dict | None = None, name: str | None = None,
                            limit: int | None = 10, offset: int | None = 0,
                            sort_by: str | None = None, sort_order: str | None = None,
                            select: list[str] | None = None) -> list[dict[str, Any]]:
    where = _where(graph_id, metadata, name)
    limit, offset = page(limit, offset)
    sql = (f"SELECT {select_columns(select, COLUMNS)} FROM assistants {where.sql()} "
           f"{order_by(sort_by, sort_order, SORTABLE, 'created_at')} LIMIT %s OFFSET %s")
    return await db.fetch(sql, (*where.params, limit, offset))


async def count_assistants(db: Database, *, graph_id: str | None = None,
                           metadata: dict | None = None, name: str | None = None) -> int:
    where = _where(graph_id, metadata, name)
    row = await db.fetchone(f"SELECT count(*) AS n FROM assistants {where.sql()}", where.params)
    return row["n"] if row else 0


async def list_versions(db: Database, assistant_id: str, *, metadata: dict | None = None,
                        limit: int | None = 10, offset: int | None = 0) -> list[dict[str, Any]]:
    where = Where().add("assistant_id = %s", assistant_id).contains("metadata", metadata)
    limit, offset = page(limit, offset)
    return await db.fetch(
        "SELECT assistant_id, version, graph_id, name, description, config, context, metadata, "
        f"created_at FROM assistant_versions {where.sql()} ORDER BY version DESC "
        "LIMIT %s OFFSET %s", (*where.params, limit, offset))
