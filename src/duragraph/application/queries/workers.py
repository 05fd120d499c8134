"""Which executing processes are alive (their heartbeats) and which runs
wait for one, for `/metrics` and `serve`'s warnings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..ports import Database, aggregate_row

HEARTBEAT_S = 2.0  # how often a worker refreshes its row
ALIVE_S = 5 * HEARTBEAT_S  # a row older than this is a dead (or frozen) worker's

_LIVE = """
SELECT count(*) AS alive, coalesce(sum(slots), 0) AS slots,
       coalesce(sum(slots_in_use), 0) AS in_use
FROM workers WHERE last_seen > now() - make_interval(secs => %s)"""

_WAITING = """
SELECT run_id, thread_id, created_at, extract(epoch FROM now() - created_at) AS waited_s
FROM runs WHERE status = 'pending' AND created_at < now() - make_interval(secs => %s)
  AND created_at > %s
ORDER BY created_at LIMIT %s"""


async def live_workers(db: Database, within_s: float = ALIVE_S) -> dict[str, int]:
    """As the official server's /metrics `workers` (run slots), plus how many
    processes hold them."""
    row = await aggregate_row(db, _LIVE, (within_s,))
    slots, in_use = int(row["slots"]), int(row["in_use"])
    return {
        "alive": int(row["alive"]),
        "max": slots,
        "active": in_use,
        "available": max(slots - in_use, 0),
    }


async def waiting_runs(
    db: Database, longer_than_s: float, *, created_after: datetime, limit: int = 100
) -> list[dict[str, Any]]:
    """Pending runs created more than `longer_than_s` ago (and after
    `created_after`), the oldest first."""
    return await db.fetch(_WAITING, (longer_than_s, created_after, limit))
