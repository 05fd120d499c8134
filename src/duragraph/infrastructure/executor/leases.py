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


class Held:
    """A run's lease in the keeper's care; `cancel` stops renewing it."""

    def __init__(self, keeper: LeaseKeeper, run_id: str, epoch: int) -> None:
        self.keeper, self.run_id, self.epoch = keeper, run_id, epoch

    def cancel(self) -> None:
        self.keeper.release(self.run_id, self.epoch)


class LeaseKeeper:
    def __init__(self, deps: ExecutorDeps) -> None:
        self.deps = deps
        self.draining = False  # shutting down: every run stopped hands its lease back
        self._restarting: set[str] = set()  # runs stopped to be claimed again at once
        self._held: dict[str, tuple[int, asyncio.Task | None]] = {}  # run -> epoch, work
        self._renewer: asyncio.Task[None] | None = None

    def keep(self, run_id: str, epoch: int, work: asyncio.Task | None) -> Held:
        """Renews the lease until the returned handle is cancelled; cancels
        `work` once the lease's epoch is no longer current. Every lease held
        here is renewed by one statement a third of a lease's length: a
        thousand runs in flight cost one round trip per period, not a
        thousand."""
        self._held[run_id] = (epoch, work)
        if self._renewer is None:
            self._renewer = asyncio.create_task(self._renew_all())
        return Held(self, run_id, epoch)

    def release(self, run_id: str, epoch: int) -> None:
        if self._held.get(run_id, (None,))[0] == epoch:
            del self._held[run_id]
        if not self._held and self._renewer is not None:
            self._renewer.cancel()
            self._renewer = None

    async def _renew_all(self) -> None:
        interval = self.deps.lease_seconds / 3
        while True:
            await asyncio.sleep(interval)
            held = {run_id: epoch for run_id, (epoch, _) in self._held.items()}
            try:
                lost = await self.deps.leases.renew(held, self.deps.lease_seconds)
            except Exception as exc:
                warn_retrying(log, f"lease renewal of {len(held)} runs", exc)
                continue
            for run_id in lost:
                self._lost(run_id, held[run_id])

    def _lost(self, run_id: str, epoch: int) -> None:
        current, work = self._held.get(run_id, (None, None))
        if current != epoch:
            return  # ended (or claimed again) while the renewal was in flight
        log.warning("run %s: lease epoch %s lost; stopping", run_id, epoch)
        self.release(run_id, epoch)
        if work is not None:
            work.cancel()

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
