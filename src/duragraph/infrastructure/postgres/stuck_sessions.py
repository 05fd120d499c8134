"""Ends the transactions a lapsed executor left half sent.

psycopg sends a pipelined transaction statement by statement, so an executor
frozen mid-send (SIGSTOP, a stalled VM) keeps its transaction open, and with
it the row locks its fence and writes took: the executor taking the run over
would wait on them for as long as the freeze lasts. Before a lapsed run is
re-claimed, the sessions of its former owner that have waited on their client
inside a transaction for half a lease are terminated. Their writes were fenced
already (the epoch moves on); PostgreSQL rolls them back. Renewals come every
third of a lease, so a lapsed owner has been silent for at least two thirds.
Each process names its connections after its worker id (see `application_name`)."""
from __future__ import annotations

import logging

from ...application.ports import Database

log = logging.getLogger(__name__)

_PREFIX = "duragraph:"
_NAME_LIMIT = 63  # PostgreSQL truncates longer application names


def application_name(worker_id: str) -> str:
    return (_PREFIX + worker_id)[:_NAME_LIMIT]


_TERMINATE = f"""
SELECT a.pid, pg_terminate_backend(a.pid) AS ended
FROM leases l JOIN pg_stat_activity a
  ON a.application_name = left('{_PREFIX}' || l.worker_id, {_NAME_LIMIT})
WHERE l.run_id = %s AND l.expires_at < now() AND a.pid <> pg_backend_pid()
  AND a.datname = current_database() AND a.xact_start IS NOT NULL
  AND a.wait_event = 'ClientRead'
  AND a.state_change < now() - make_interval(secs => %s)"""


async def end_stuck_sessions(db: Database, run_id: str, lease_seconds: float) -> int:
    """Terminate the lapsed owner's transactions stalled on their client;
    returns how many were ended."""
    rows = await db.fetch(_TERMINATE, (run_id, lease_seconds / 2))
    for row in rows:
        log.warning("run %s: ended session %s of its lapsed owner (a transaction "
                    "stalled half-sent)", run_id, row["pid"])
    return sum(1 for r in rows if r["ended"])
