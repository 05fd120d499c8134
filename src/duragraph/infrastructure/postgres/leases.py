"""Every query on executors' leases, named: the `leases` table is operational
(not a projection, not rebuilt from events). What a lease means, and who takes
or gives one up when, is application/execution/placement.py's to say.

A lease granted or released with a claim or an outcome commits in the event
store's transaction (`lease_statement`); the rest go through `PostgresLeases`,
the application's Leases port."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from ...application.ports import (
    Database,
    GrantLease,
    LeaseChange,
    ReleaseLease,
    RunRef,
    RunStanding,
    Statement,
)
from .stuck_sessions import NAME_LIMIT, NAME_PREFIX

log = logging.getLogger(__name__)

GRANT = """
INSERT INTO leases (run_id, thread_id, epoch, worker_id, expires_at)
VALUES (%s, %s, %s, %s, now() + make_interval(secs => %s))
ON CONFLICT (run_id) DO UPDATE SET epoch=EXCLUDED.epoch, worker_id=EXCLUDED.worker_id,
    expires_at=EXCLUDED.expires_at"""

RELEASE = "DELETE FROM leases WHERE run_id=%s AND epoch=%s"

RENEW = """
UPDATE leases l SET expires_at = now() + make_interval(secs => %s)
FROM unnest(%s::text[], %s::int[]) AS h(run_id, epoch)
WHERE l.run_id = h.run_id AND l.epoch = h.epoch
RETURNING l.run_id"""

HAND_BACK = "UPDATE leases SET expires_at = now() WHERE run_id=%s AND epoch=%s"

LAPSE_ALL = "UPDATE leases SET expires_at = now() WHERE expires_at > now()"

LAPSED_EPOCH = """
SELECT coalesce(l.epoch, r.epoch) AS epoch FROM runs r
LEFT JOIN leases l ON l.run_id = r.run_id
WHERE r.run_id = %s AND (l.run_id IS NULL OR l.expires_at < now())"""

# Pending too long (a lost dispatch message) while nothing runs on its thread,
# or running with a lapsed lease (a dead executor).
TO_RECOVER = """
SELECT r.run_id, r.thread_id, r.status FROM runs r
LEFT JOIN leases l ON l.run_id = r.run_id
WHERE (r.status = 'pending' AND r.created_at < now() - make_interval(secs => %s)
       AND NOT EXISTS (SELECT 1 FROM runs o WHERE o.thread_id = r.thread_id
                       AND o.status = 'running'))
   OR (r.status = 'running' AND (l.expires_at IS NULL OR l.expires_at < now()))
ORDER BY r.created_at LIMIT %s"""

STANDING = "SELECT status, epoch FROM runs WHERE run_id=%s"

# See stuck_sessions: sessions of the lapsed owner waiting on their client
# inside a transaction for over the given seconds.
TERMINATE_STUCK = f"""
SELECT a.pid, pg_terminate_backend(a.pid) AS ended
FROM leases l JOIN pg_stat_activity a
  ON a.application_name = left('{NAME_PREFIX}' || l.worker_id, {NAME_LIMIT})
WHERE l.run_id = %s AND l.expires_at < now() AND a.pid <> pg_backend_pid()
  AND a.datname = current_database() AND a.xact_start IS NOT NULL
  AND a.wait_event = 'ClientRead'
  AND a.state_change < now() - make_interval(secs => %s)"""


def lease_statement(change: LeaseChange) -> Statement:
    """A lease change, as a statement of the event store's transaction."""
    if isinstance(change, GrantLease):
        return GRANT, (
            change.run_id,
            change.thread_id,
            change.epoch,
            change.worker_id,
            change.seconds,
        )
    if isinstance(change, ReleaseLease):
        return RELEASE, (change.run_id, change.epoch)
    raise TypeError(f"not a lease change: {change!r}")


class PostgresLeases:
    """The Leases port on PostgreSQL."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def renew(self, held: Mapping[str, int], seconds: float) -> set[str]:
        if not held:
            return set()
        rows = await self.db.fetch(RENEW, (seconds, list(held), list(held.values())))
        return set(held) - {row["run_id"] for row in rows}

    async def hand_back(self, run_id: str, epoch: int) -> None:
        await self.db.execute(HAND_BACK, (run_id, epoch))

    async def lapse_all(self) -> int:
        return await self.db.execute(LAPSE_ALL)

    async def lapsed_epoch(self, run_id: str) -> int | None:
        row = await self.db.fetchone(LAPSED_EPOCH, (run_id,))
        return None if row is None else row["epoch"]

    async def runs_to_recover(
        self, *, pending_older_than_s: float, limit: int = 100
    ) -> list[RunRef]:
        rows = await self.db.fetch(TO_RECOVER, (pending_older_than_s, limit))
        return [RunRef(r["run_id"], r["thread_id"]) for r in rows]

    async def end_stuck_sessions(self, run_id: str, lease_seconds: float) -> int:
        """Terminate the lapsed owner's transactions stalled on their client
        for half a lease; returns how many were ended."""
        rows = await self.db.fetch(TERMINATE_STUCK, (run_id, lease_seconds / 2))
        for row in rows:
            log.warning(
                "run %s: ended session %s of its lapsed owner (a transaction stalled half-sent)",
                run_id,
                row["pid"],
            )
        return sum(1 for r in rows if r["ended"])

    async def standing(self, run_id: str) -> RunStanding | None:
        row = await self.db.fetchone(STANDING, (run_id,))
        return None if row is None else RunStanding(row["status"], row["epoch"])
