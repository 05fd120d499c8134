"""What a webhook receives: the run, its final status and values (and its
error), as the official server sends them. Composed from the event log, so
it is the same after the run's temporary thread is gone."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from ...application.ports import Database
from ...domain.statuses import RunStatus

STATUS = {
    "run.succeeded": RunStatus.success,
    "run.failed": RunStatus.error,
    "run.interrupted": RunStatus.success,
    "run.cancelled": RunStatus.interrupted,
}

_EVENTS = """
SELECT event_id, type, data FROM events
WHERE data ? 'run_id' AND data->>'run_id' = %s
  AND type NOT IN ('checkpoint.saved', 'checkpoint.writes_saved')  -- the run index's (012)
  AND type IN ('run.created', 'run.started', 'run.succeeded', 'run.failed',
               'run.interrupted', 'run.cancelled')
ORDER BY position"""


async def webhook_payload(db: Database, run_id: str, event_id: Any) -> dict[str, Any] | None:
    rows = await db.fetch(_EVENTS, (run_id,))
    created = next((r["data"] for r in rows if r["type"] == "run.created"), None)
    end = next((r for r in rows if r["event_id"] == event_id), None)
    if created is None or end is None:
        return None
    started = [r["data"]["at"] for r in rows if r["type"] == "run.started"]
    return compose(created, started[-1] if started else None, end["type"], end["data"])


def compose(
    created: dict[str, Any], started_at: str | None, end_type: str, end: dict[str, Any]
) -> dict[str, Any]:
    payload = {
        "run_id": created["run_id"],
        "thread_id": created["thread_id"],
        "assistant_id": created["assistant_id"],
        "created_at": created["at"],
        "updated_at": end["at"],
        "metadata": created.get("metadata") or {},
        "kwargs": created.get("kwargs") or {},
        "multitask_strategy": created.get("multitask_strategy"),
        "status": STATUS[end_type],
        "run_started_at": started_at,
        "run_ended_at": end["at"],
        "values": end.get("values"),
    }
    if end_type == "run.failed":
        payload["error"] = {"error": end.get("error"), "message": end.get("message")}
    return payload


def stamped(payload: dict[str, Any], allowed_fields: tuple[str, ...]) -> dict[str, Any]:
    out = {**payload, "webhook_sent_at": datetime.now(timezone.utc).isoformat()}
    return {k: v for k, v in out.items() if k in allowed_fields} if allowed_fields else out
