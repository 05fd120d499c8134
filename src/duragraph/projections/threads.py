from __future__ import annotations

from psycopg.types.json import Jsonb

from ..domain import events as ev
from ..domain.statuses import ThreadStatus

TABLES = ("threads",)

# Busy while any run is active; otherwise the run's outcome decides.
_STATUS = """
status = CASE WHEN EXISTS (SELECT 1 FROM runs WHERE thread_id=%(t)s
                           AND status IN ('pending','running'))
         THEN 'busy' ELSE %(outcome)s END, updated_at=%(at)s"""


# The run's outcome event, which carries its final values: a run has one
# `run.succeeded` or `run.interrupted` event, committed before this statement
# runs (in its transaction, or earlier in a rebuild's replay); through the
# run index (its predicate: migration 012).
_OUTCOME_EVENT = """(SELECT position FROM events
    WHERE data ? 'run_id' AND data->>'run_id' = %(r)s AND type = %(type)s
      AND type NOT IN ('checkpoint.saved', 'checkpoint.writes_saved'))"""


def _finished(e, outcome: ThreadStatus, interrupts=None) -> tuple:
    """A run ended: the thread's status, and when the run brought values,
    a pointer to the event that holds them (read: queries/threads), in one
    statement."""
    params = {"t": e.thread_id, "outcome": outcome, "at": e.at}
    if interrupts is None:
        return (f"UPDATE threads SET {_STATUS} WHERE thread_id=%(t)s", params)
    return (
        (
            f"UPDATE threads SET values=NULL, values_event={_OUTCOME_EVENT}, interrupts=%(i)s, "
            f"state_updated_at=%(at)s, {_STATUS} WHERE thread_id=%(t)s"
        ),
        {**params, "r": e.run_id, "type": e.name, "i": Jsonb(interrupts)},
    )


def run_created(e: ev.RunCreated, started: ev.RunStarted | None = None) -> list:
    """A run is active, so the thread is busy; like the official server, the
    thread remembers the graph that ran on it. `started`: see created_started."""
    return [
        (
            (
                "UPDATE threads SET metadata = metadata || %s, status='busy', updated_at=%s "
                "WHERE thread_id=%s"
            ),
            (
                Jsonb({"graph_id": e.graph_id, "assistant_id": e.assistant_id}),
                (started or e).at,
                e.thread_id,
            ),
        )
    ]


def created(e: ev.ThreadCreated) -> list:
    return [
        (
            """INSERT INTO threads (thread_id, metadata, status, values, created_at, updated_at,
                                     state_updated_at)
                VALUES (%s, %s, 'idle', NULL, %s, %s, %s)""",
            (e.thread_id, Jsonb(e.metadata), e.at, e.at, e.at),
        )
    ]


def updated(e: ev.ThreadUpdated) -> list:
    return [
        (
            "UPDATE threads SET metadata = metadata || %s, updated_at=%s WHERE thread_id=%s",
            (Jsonb(e.metadata), e.at, e.thread_id),
        )
    ]


def state_updated(e: ev.ThreadStateUpdated) -> list:
    return [
        (
            (
                "UPDATE threads SET values=%s, values_event=NULL, interrupts=%s, status=%s, "
                "updated_at=%s, state_updated_at=%s WHERE thread_id=%s"
            ),
            (Jsonb(e.values), Jsonb(e.interrupts or {}), e.status, e.at, e.at, e.thread_id),
        )
    ]


HANDLERS = {
    ev.ThreadCreated: created,
    ev.ThreadUpdated: updated,
    ev.ThreadStateUpdated: state_updated,
    ev.ThreadDeleted: lambda e: [("DELETE FROM threads WHERE thread_id=%s", (e.thread_id,))],
    ev.RunCreated: run_created,
    ev.RunStarted: lambda e: [
        (
            ("UPDATE threads SET status='busy', updated_at=%s WHERE thread_id=%s"),
            (e.at, e.thread_id),
        )
    ],
    ev.RunSucceeded: lambda e: [_finished(e, ThreadStatus.idle, {})],
    ev.RunInterrupted: lambda e: [_finished(e, ThreadStatus.interrupted, e.interrupts)],
    ev.RunFailed: lambda e: [_finished(e, ThreadStatus.error)],
    ev.RunCancelled: lambda e: [_finished(e, ThreadStatus.idle)],
}
