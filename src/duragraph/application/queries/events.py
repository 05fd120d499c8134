"""The audit log: what happened to a run or a thread, in order, and who did it
(each event's metadata names its actor)."""

from __future__ import annotations

from typing import Any

from ..ports import Database
from .filters import page

_SQL = """
SELECT position, event_id, stream_id, stream_version AS version, type, data, metadata,
       recorded_at
FROM events WHERE data ? %(key)s AND data->>%(key)s = %(value)s AND position > %(after)s
  AND type NOT IN ('checkpoint.saved', 'checkpoint.writes_saved')
ORDER BY position LIMIT %(limit)s"""


async def related_events(
    db: Database, key: str, value: str, *, after: int = 0, limit: int | None = 100
) -> list[dict[str, Any]]:
    limit, _ = page(limit, 0)
    return await db.fetch(_SQL, {"key": key, "value": value, "after": after, "limit": limit})
