"""A worker's heartbeat: its row in `workers`, refreshed every few seconds
with its run slots, and removed when it stops (a killed worker's row just
ages out: readers count only fresh rows)."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from typing import Any

from ...application.ports import Database
from ...application.queries.workers import HEARTBEAT_S
from .loop import every

log = logging.getLogger(__name__)

_BEAT = """
INSERT INTO workers (worker_id, host, pid, started_at, last_seen, slots, slots_in_use)
VALUES (%(id)s, %(host)s, %(pid)s, now(), now(), %(max)s, %(active)s)
ON CONFLICT (worker_id) DO UPDATE
SET last_seen = now(), slots = excluded.slots, slots_in_use = excluded.slots_in_use"""

# Rows of workers gone for a day are of no use to anyone.
_FORGET_LONG_GONE = "DELETE FROM workers WHERE last_seen < now() - interval '1 day'"


class Heartbeat:
    """`executor`: anything with `workers()` -> {"max", "active", ...}."""

    def __init__(
        self, db: Database, executor: Any, worker_id: str, interval: float = HEARTBEAT_S
    ) -> None:
        self.db, self.executor, self.interval = db, executor, interval
        self.row = {"id": worker_id, "host": socket.gethostname(), "pid": os.getpid()}
        self._failing = False

    async def run(self, stop: asyncio.Event) -> None:
        await self._quietly(self.db.execute(_FORGET_LONG_GONE))
        await every(self.interval, stop, lambda: self._quietly(self.beat()), "worker heartbeat")
        await self._quietly(
            self.db.execute("DELETE FROM workers WHERE worker_id = %s", (self.row["id"],))
        )

    async def beat(self) -> None:
        slots = self.executor.workers()
        await self.db.execute(_BEAT, {**self.row, "max": slots["max"], "active": slots["active"]})

    async def _quietly(self, write: Any) -> None:
        """A database outage is logged once (the pool logs its own retries);
        the beats resume with it."""
        try:
            await write
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if not self._failing:
                log.warning("worker heartbeat failed: %s: %s", type(exc).__name__, exc)
            self._failing = True
        else:
            self._failing = False
