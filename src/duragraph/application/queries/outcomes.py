"""A finished run's result, read from its terminal event: events are never
deleted, so this works after a temporary thread is gone too."""
from __future__ import annotations

from typing import Any

from ..ports import Database

TERMINAL_EVENTS = ("run.succeeded", "run.interrupted", "run.failed", "run.cancelled")


async def run_outcome(db: Database, run_id: str) -> dict[str, Any] | None:
    return await db.fetchone(
        "SELECT type, data FROM events WHERE data ? 'run_id' AND data->>'run_id' = %s "
        "AND type = ANY(%s) ORDER BY position DESC LIMIT 1", (run_id, list(TERMINAL_EVENTS)))


def result_of(outcome: dict[str, Any] | None) -> Any:
    """What runs.wait / join return: the final values, or `__error__`."""
    if outcome is None:
        return None
    data = outcome["data"]
    if outcome["type"] == "run.failed":
        return {"__error__": {"error": data["error"], "message": data["message"]}}
    return values_result(data.get("values"))


def values_result(values: Any) -> Any:
    """A run that left no values (an empty state, a cancelled run) answers
    `{}`, as the official server does, never `null`."""
    return {} if values is None else values
