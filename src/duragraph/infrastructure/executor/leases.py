"""A run's lease while it executes here: renewed while its graph runs (the
work stops once its epoch is lost), handed back at once when the run is
stopped to be claimed again (a drain, a reload's restart)."""

from __future__ import annotations

import asyncio
import logging
from typing import Iterable

from ..outages import warn_retrying
from .deps import ExecutorDeps

log = logging.getLogger(__name__)


class LeaseKeeper:
    def __init__(self, deps: ExecutorDeps) -> None:
        self.deps = deps
        self.draining = False  # shutting down: every run stopped hands its lease back
        self._restarting: set[str] = set()  # runs stopped to be claimed again at once

    def keep(self, run_id: str, epoch: int, work: asyncio.Task | None) -> asyncio.Task[None]:
        """Renews the lease until the returned task is cancelled; cancels
        `work` once the lease's epoch is no longer current."""
        return asyncio.create_task(self._renew_lease(run_id, epoch, work))

    async def _renew_lease(self, run_id: str, epoch: int, work: asyncio.Task | None) -> None:
        interval = self.deps.lease_seconds / 3
        while True:
            await asyncio.sleep(interval)
            try:
                renewed = await self.deps.leases.renew(run_id, epoch, self.deps.lease_seconds)
            except Exception as exc:
                warn_retrying(log, f"run {run_id}: lease renewal", exc)
                continue
            if not renewed and work is not None:
                log.warning("run %s: lease epoch %s lost; stopping", run_id, epoch)
                work.cancel()
                return

    def restart_on_stop(self, run_ids: Iterable[str]) -> None:
        """These runs are about to be stopped to be claimed again at once."""
        self._restarting.update(run_ids)

    def restarted(self, run_ids: Iterable[str]) -> None:
        self._restarting.difference_update(run_ids)

    def restarting(self, run_id: str) -> bool:
        return run_id in self._restarting

    def hands_back(self, run_id: str) -> bool:
        """Whether the run, once stopped, hands its lease back (rather than
        letting it lapse)."""
        return self.draining or run_id in self._restarting

    async def hand_back(self, run_id: str, epoch: int) -> None:
        """The lease lapses now: the next claim need not wait it out."""
        await self.deps.leases.hand_back(run_id, epoch)
