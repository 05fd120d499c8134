"""A finished run's result, read from its terminal event, so this works after
a temporary thread is gone too (until `duragraph events archive` moves the
events of that deleted thread out of the log)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..ports import Database

TERMINAL_EVENTS = ("run.succeeded", "run.interrupted", "run.failed", "run.cancelled")


@dataclass(frozen=True, slots=True)
class Outcome:
    """A finished run: its terminal event type and data."""

    kind: str  # run.succeeded | run.interrupted | run.failed | run.cancelled
    data: dict[str, Any]

    @property
    def values(self) -> Any:
        return self.data.get("values")

    def result(self) -> Any:
        """What runs.wait / join return: the final values, or `__error__`."""
        if self.kind == "run.failed":
            return error_result(self.data["error"], self.data["message"])
        return values_result(self.values)


def error_result(error: str, message: str) -> dict[str, Any]:
    return {"__error__": {"error": error, "message": message}}


async def run_outcome(db: Database, run_id: str) -> Outcome | None:
    row = await db.fetchone(
        "SELECT type, data FROM events WHERE data ? 'run_id' AND data->>'run_id' = %s "
        "AND type = ANY(%s) AND type NOT IN ('checkpoint.saved', 'checkpoint.writes_saved') "
        "ORDER BY position DESC LIMIT 1",  # the run index's predicate (migration 012)
        (run_id, list(TERMINAL_EVENTS)),
    )
    return Outcome(row["type"], row["data"]) if row else None


def values_result(values: Any) -> Any:
    """A run that left no values (an empty state, a cancelled run) answers
    `{}`, as the official server does, never `null`."""
    return {} if values is None else values
