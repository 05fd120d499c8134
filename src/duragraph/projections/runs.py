from __future__ import annotations

from psycopg.types.json import Jsonb

from ..domain import events as ev
from ..domain.statuses import RunStatus

TABLES = ("runs",)

_STATUS = "UPDATE runs SET status=%s, updated_at=%s WHERE run_id=%s"


def created(e: ev.RunCreated, started: ev.RunStarted | None = None) -> list:
    """`started`: the run was started in the same breath (see created_started)."""
    status, epoch, at = (
        (RunStatus.running, started.epoch, started.at) if started else (RunStatus.pending, 0, e.at)
    )
    return [
        (
            """INSERT INTO runs (run_id, thread_id, assistant_id, graph_id, status, epoch,
                  metadata, kwargs, multitask_strategy, temporary, created_at, updated_at)
                VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)""",
            (
                e.run_id,
                e.thread_id,
                e.assistant_id,
                e.graph_id,
                status,
                epoch,
                Jsonb(e.metadata),
                Jsonb(e.spec.to_stored()),
                e.multitask_strategy,
                e.temporary,
                e.at,
                at,
            ),
        )
    ]


def started(e: ev.RunStarted) -> list:
    return [
        (
            "UPDATE runs SET status='running', epoch=%s, updated_at=%s WHERE run_id=%s",
            (e.epoch, e.at, e.run_id),
        )
    ]


def failed(e: ev.RunFailed) -> list:
    return [
        (
            "UPDATE runs SET status='error', error=%s, updated_at=%s WHERE run_id=%s",
            (Jsonb({"error": e.error, "message": e.message}), e.at, e.run_id),
        )
    ]


HANDLERS = {
    ev.RunCreated: created,
    ev.RunStarted: started,
    ev.RunSucceeded: lambda e: [(_STATUS, (RunStatus.success, e.at, e.run_id))],
    # Stopped at interrupt(): done, as far as the run goes (the thread is interrupted).
    ev.RunInterrupted: lambda e: [(_STATUS, (RunStatus.success, e.at, e.run_id))],
    ev.RunCancelled: lambda e: [(_STATUS, (RunStatus.interrupted, e.at, e.run_id))],
    ev.RunFailed: failed,
    ev.RunDeleted: lambda e: [("DELETE FROM runs WHERE run_id=%s", (e.run_id,))],
    ev.ThreadDeleted: lambda e: [("DELETE FROM runs WHERE thread_id=%s", (e.thread_id,))],
}
