"""Ends transactions left open by a process that stopped half-way (SIGSTOP, a
stalled VM), holding locks that others wait on for as long as it is frozen.

- An event-store transaction goes in one message (see batch), but one that
  outgrows the socket buffer can still stall half-sent. Before a lapsed run
  is re-claimed, the sessions of its former owner that have waited on their
  client inside a transaction for half a lease are terminated. Their writes
  were fenced already (the epoch moves on); PostgreSQL rolls them back.
  Renewals come every third of a lease, so a lapsed owner has been silent for
  at least two thirds. (That query joins the leases: it is in leases.py,
  `PostgresLeases.end_stuck_sessions`.)
- The outbox relay holds its advisory lock across its NATS publishes; a
  holder silent far longer than a publish can take is terminated, so that
  another relay takes over (its rows were not marked sent: they go again,
  and JetStream drops the duplicates).

Each process names its connections after its worker id (see `application_name`)."""

from __future__ import annotations

import logging

from ...application.ports import Database

log = logging.getLogger(__name__)

NAME_PREFIX = "duragraph:"
NAME_LIMIT = 63  # PostgreSQL truncates longer application names


def application_name(worker_id: str) -> str:
    return (NAME_PREFIX + worker_id)[:NAME_LIMIT]


_LOCK_HOLDER = f"""
SELECT a.pid, pg_terminate_backend(a.pid) AS ended
FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid::bigint = %s
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND a.pid <> pg_backend_pid() AND a.application_name LIKE '{NAME_PREFIX}%%'
  AND a.xact_start IS NOT NULL AND a.wait_event = 'ClientRead'
  AND a.state_change < now() - make_interval(secs => %s)"""


async def end_stuck_lock_holder(db: Database, lock_key: int, stalled_s: float) -> int:
    """Terminate a session holding that transaction-level advisory lock (a
    32-bit key) while waiting on its client for over `stalled_s` seconds."""
    rows = await db.fetch(_LOCK_HOLDER, (lock_key, stalled_s))
    for row in rows:
        log.warning(
            "ended session %s: it held advisory lock %s, stalled for over %.0fs",
            row["pid"],
            lock_key,
            stalled_s,
        )
    return sum(1 for r in rows if r["ended"])
