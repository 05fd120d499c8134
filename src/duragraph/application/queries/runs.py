from __future__ import annotations

from typing import Any

from ...domain.errors import InvalidInput, NotFound
from ...domain.events import RunCreated
from ...domain.statuses import ACTIVE, RunStatus
from ..ports import Database
from .filters import Where, page
from .visibility import compile_filter

COLUMNS = (
    "run_id, thread_id, assistant_id, graph_id, status, epoch, metadata, kwargs, "
    "multitask_strategy, temporary, error, created_at, updated_at"
)


def new_run_row(created: RunCreated, status: str) -> dict[str, Any]:
    """The row the runs projection holds for a run just created: what a
    create returns without reading it back."""
    return {
        "run_id": created.run_id,
        "thread_id": created.thread_id,
        "assistant_id": created.assistant_id,
        "graph_id": created.graph_id,
        "status": status,
        "metadata": created.metadata,
        "kwargs": created.spec.to_stored(),
        "multitask_strategy": created.multitask_strategy,
        "temporary": created.temporary,
        "created_at": created.at,
        "updated_at": created.at,
    }


async def get_run(db: Database, run_id: str, thread_id: str | None = None) -> dict[str, Any]:
    row = await db.fetchone(f"SELECT {COLUMNS} FROM runs WHERE run_id=%s", (run_id,))
    if row is None or (thread_id is not None and row["thread_id"] != thread_id):
        raise NotFound("run", run_id)
    return row


async def list_runs(
    db: Database,
    thread_id: str,
    *,
    limit: int | None = 10,
    offset: int | None = 0,
    status: str | None = None,
) -> list[dict[str, Any]]:
    limit, offset = page(limit, offset)
    params: list[Any] = [thread_id]
    status_sql = ""
    if status:
        if status not in tuple(RunStatus):
            raise InvalidInput(f"status must be one of {', '.join(RunStatus)}")
        status_sql, params = "AND status = %s", [thread_id, status]
    return await db.fetch(
        f"SELECT {COLUMNS} FROM runs WHERE thread_id=%s {status_sql} "
        "ORDER BY created_at DESC LIMIT %s OFFSET %s",
        (*params, limit, offset),
    )


async def active_runs(
    db: Database, status: str, thread_id: str | None = None, visible: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Runs pending or running (`status` 'all': both), for a bulk cancel;
    `visible`: the auth handler's filter on their threads' metadata."""
    statuses = list(ACTIVE) if status == "all" else [status]
    where = Where().add("r.status = ANY(%s)", statuses)
    if thread_id is not None:
        where.add("r.thread_id = %s", thread_id)
    if visible:
        sql, params = compile_filter("t.metadata", visible)
        where.add(f"r.thread_id IN (SELECT t.thread_id FROM threads t WHERE {sql})", *params)
    return await db.fetch(
        f"SELECT r.run_id, r.thread_id FROM runs r {where.sql()} ORDER BY r.created_at",
        where.params,
    )
