"""The cron scheduler: fires due crons. Any number may run (one per worker);
the cron's stream version lets only one of them commit each tick."""

from __future__ import annotations

import asyncio
import logging
from typing import Callable

from ...application.acting import acting_as
from ...application.commands.crons import AuthorizeFiring, Tick, fire_cron
from ...application.ports import Clock, Database, EventStore, GraphCatalog, RunStreamEnds
from ...application.queries.crons import due_crons
from ...application.run_stream_end import end_run_stream
from ...domain.errors import ConcurrencyConflict
from ...domain.identity import Actor
from ...domain.statuses import RunStatus
from .loop import every

log = logging.getLogger(__name__)


class CronScheduler:
    def __init__(
        self,
        store: EventStore,
        db: Database,
        clock: Clock,
        graphs: GraphCatalog,
        *,
        interval: float = 1.0,
        on_fired: Callable[[Tick], None] | None = None,
        authorize: AuthorizeFiring | None = None,
        streams: RunStreamEnds | None = None,
    ) -> None:
        """`authorize`: each tick checked again as the cron's creator (auth);
        `streams`: ends the streams of the pending runs a tick cancelled."""
        self.store, self.db, self.clock, self.graphs = store, db, clock, graphs
        self.interval, self.on_fired, self.authorize = interval, on_fired, authorize
        self.streams = streams

    async def run(self, stop: asyncio.Event) -> None:
        await every(self.interval, stop, self.sweep, "cron sweep")

    async def sweep(self) -> list[Tick]:
        """Fire every due cron once; returns the ticks this scheduler fired."""
        fired = []
        for cron_id in await due_crons(self.db, self.clock.now()):
            tick = await self._fire(cron_id)
            if tick is not None:
                fired.append(tick)
                self._announce(tick)
                await self._end_cancelled(tick)
        return fired

    async def _fire(self, cron_id: str) -> Tick | None:
        try:
            with acting_as(Actor(by="cron")):
                return await fire_cron(cron_id, self.store, self.clock, self.graphs, self.authorize)
        except ConcurrencyConflict:  # still contended after retries: next sweep
            return None

    async def _end_cancelled(self, tick: Tick) -> None:
        if self.streams is None or tick.thread_id is None:
            return
        for run_id in tick.cancelled_pending:
            await end_run_stream(
                self.streams, run_id, RunStatus.interrupted, thread_id=tick.thread_id
            )

    def _announce(self, tick: Tick) -> None:
        if tick.error:
            log.warning("cron %s fired without a run: %s", tick.cron_id, tick.error)
        elif self.on_fired is not None:
            self.on_fired(tick)
