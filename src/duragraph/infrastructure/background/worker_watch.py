"""For `serve`, which executes no run itself: says when no live worker would
take the runs it accepts, at startup and when a run has waited a few seconds,
each once (a line per change, a line per waiting run), never at every check."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone

from ...application.ports import Database
from ...application.queries.workers import HEARTBEAT_S, live_workers, waiting_runs
from .loop import every

log = logging.getLogger("duragraph.workers")

WAIT_S = 5.0  # a pending run older than this, with no worker alive, is named
_NAMED_AT_ONCE = 3


class WorkerWatch:
    def __init__(
        self, db: Database, *, interval: float = HEARTBEAT_S, wait_s: float = WAIT_S
    ) -> None:
        self.db, self.interval, self.wait_s = db, interval, wait_s
        self.alive: int | None = None  # unknown until the first check
        # Runs created up to here were named already: each is named once.
        self.named_up_to = datetime.min.replace(tzinfo=timezone.utc)

    async def run(self, stop: asyncio.Event) -> None:
        await every(self.interval, stop, self.check, "worker check", report=_quietly)

    async def check(self) -> None:
        workers = await live_workers(self.db)
        self._report(workers)
        if workers["alive"] == 0:
            self._name_waiting(
                await waiting_runs(self.db, self.wait_s, created_after=self.named_up_to)
            )

    def _report(self, workers: dict[str, int]) -> None:
        alive, before = workers["alive"], self.alive
        self.alive = alive
        if alive == 0 and before != 0:
            log.warning(
                "no live worker: runs are accepted but wait until a `duragraph worker` "
                "runs against this database and NATS"
            )
        elif alive and not before:
            log.info("%d worker(s) alive, %d run slots", alive, workers["max"])

    def _name_waiting(self, runs: list[dict]) -> None:
        for r in runs[:_NAMED_AT_ONCE]:
            log.warning(
                "run %s (thread %s) has waited %.0f s: no live worker to take it",
                r["run_id"],
                r["thread_id"],
                float(r["waited_s"]),
            )
        if len(runs) > _NAMED_AT_ONCE:
            log.warning("%d more runs wait for a worker", len(runs) - _NAMED_AT_ONCE)
        if runs:
            self.named_up_to = runs[-1]["created_at"]


def _quietly(exc: BaseException) -> None:
    log.debug("worker check failed", exc_info=exc)  # the pool reports outages
