from __future__ import annotations

from psycopg.types.json import Jsonb

from ..domain import events as ev

TABLES = ("threads",)

# Busy while any run is active; otherwise the last outcome decides.
_STATUS = """
UPDATE threads SET status = CASE
    WHEN EXISTS (SELECT 1 FROM runs WHERE thread_id=%(t)s AND status IN ('pending','running'))
        THEN 'busy' ELSE %(outcome)s END,
    updated_at=%(at)s
WHERE thread_id=%(t)s"""


def _status(e, outcome: str) -> tuple:
    return (_STATUS, {"t": e.thread_id, "outcome": outcome, "at": e.at})


def _values(e, interrupts) -> tuple:
    # The last streamed chunk carries `__interrupt__`; the thread's values are
    # the graph state alone (the interrupts have their own column).
    values = e.values
    if isinstance(values, dict) and "__interrupt__" in values:
        values = {k: v for k, v in values.items() if k != "__interrupt__"}
    return ("UPDATE threads SET values=%s, interrupts=%s WHERE thread_id=%s",
            (Jsonb(values), Jsonb(interrupts), e.thread_id))


def _run_metadata(e: ev.RunCreated) -> tuple:
    """Like the official server, a thread remembers the graph that ran on it."""
    return ("UPDATE threads SET metadata = metadata || %s WHERE thread_id=%s",
            (Jsonb({"graph_id": e.graph_id, "assistant_id": e.assistant_id}), e.thread_id))


def created(e: ev.ThreadCreated) -> list:
    return [("""INSERT INTO threads (thread_id, metadata, status, values, created_at, updated_at)
                VALUES (%s, %s, 'idle', NULL, %s, %s)""",
             (e.thread_id, Jsonb(e.metadata), e.at, e.at))]


def updated(e: ev.ThreadUpdated) -> list:
    return [("UPDATE threads SET metadata = metadata || %s, updated_at=%s WHERE thread_id=%s",
             (Jsonb(e.metadata), e.at, e.thread_id))]


HANDLERS = {
    ev.ThreadCreated: created,
    ev.ThreadUpdated: updated,
    ev.ThreadDeleted: lambda e: [("DELETE FROM threads WHERE thread_id=%s", (e.thread_id,))],
    ev.RunCreated: lambda e: [_run_metadata(e), _status(e, "busy")],
    ev.RunStarted: lambda e: [_status(e, "busy")],
    ev.RunSucceeded: lambda e: [_values(e, {}), _status(e, "idle")],
    ev.RunInterrupted: lambda e: [_values(e, e.interrupts), _status(e, "interrupted")],
    ev.RunFailed: lambda e: [_status(e, "error")],
    ev.RunCancelled: lambda e: [_status(e, "idle")],
}
