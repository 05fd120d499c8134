"""Figures for `GET /metrics`: runs by status and the queue of pending runs."""

from __future__ import annotations

from typing import Any

from ...domain.statuses import RunStatus
from ..ports import Database, aggregate_row

_QUEUE = """
SELECT count(*) FILTER (WHERE status = 'pending') AS n_pending,
       count(*) FILTER (WHERE status = 'running') AS n_running,
       max(extract(epoch FROM now() - created_at)) FILTER (WHERE status = 'pending') AS wait_max,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM now() - created_at))
           FILTER (WHERE status = 'pending') AS wait_med
FROM runs WHERE status IN ('pending', 'running')"""


async def runs_by_status(db: Database) -> dict[str, int]:
    rows = await db.fetch("SELECT status, count(*) AS n FROM runs GROUP BY status", ())
    counts: dict[str, int] = {status: 0 for status in RunStatus}
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


async def queue_stats(db: Database) -> dict[str, Any]:
    row = await aggregate_row(db, _QUEUE, ())
    return {
        "n_pending": row["n_pending"],
        "n_running": row["n_running"],
        "pending_runs_wait_time_max_secs": _seconds(row["wait_max"]),
        "pending_runs_wait_time_med_secs": _seconds(row["wait_med"]),
    }


def _seconds(value: Any) -> float | None:
    return None if value is None else round(float(value), 3)
