"""The worker: takes runs from NATS, recovers what NATS lost from PostgreSQL,
reacts to cancellations, and relays the outbox. Which runs reach it, and why
each is executed by one owner at a time: application/execution/placement.py."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import orjson

from ..application.ports import Leases
from .background.loop import every
from .executor import Executor
from .nats.pacing import wait_any
from .outages import warn_retrying

log = logging.getLogger(__name__)
REOFFER_S = 1.0  # a dispatched run this worker has no slot for comes back after this


class Worker:
    def __init__(
        self,
        executor: Executor,
        leases: Leases,
        dispatch: Any,
        *,
        sweep_interval: float = 2.0,
        grace_seconds: float = 30.0,
    ) -> None:
        self.executor, self.leases, self.dispatch = executor, leases, dispatch
        self.sweep_interval, self.grace_seconds = sweep_interval, grace_seconds

    async def run(self, stop: asyncio.Event) -> None:
        loops = [
            asyncio.create_task(self._take_dispatched(stop), name="dispatch"),
            asyncio.create_task(self._sweep(stop), name="sweeper"),
        ]
        try:
            await stop.wait()
        finally:
            for task in loops:
                task.cancel()
            await asyncio.gather(*loops, return_exceptions=True)
            await self.executor.drain(self.grace_seconds)

    def on_cancelled_event(self, payload: bytes) -> None:
        """A relayed run.cancelled event: stop the run at once if it is ours."""
        run_id = orjson.loads(payload).get("data", {}).get("run_id")
        if run_id:
            self.executor.cancel(run_id)

    async def _take_dispatched(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                async for message in self.dispatch.messages(stop):
                    if self.executor.has_capacity():
                        self.executor.submit(message.run_id, message.thread_id, hint=True)
                        await message.ack()
                    else:  # the slots filled while it came (runs created here hold theirs)
                        await message.nak(delay=REOFFER_S)
                    await self._until_capacity(stop)  # before pulling the next one
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                warn_retrying(log, "dispatch consumer", exc)
                await asyncio.sleep(1.0)

    async def _until_capacity(self, stop: asyncio.Event) -> None:
        """A full worker takes no more runs: other workers, or its own freed
        slots, pick them up, rather than every run it is offered slowing down."""
        while not self.executor.has_capacity() and not stop.is_set():
            # a slot held for a run that never started here frees by its deadline
            await wait_any(self.executor.room, stop, timeout=1.0)

    async def _sweep(self, stop: asyncio.Event) -> None:
        """PostgreSQL is the truth: runs whose dispatch NATS lost, and runs
        whose executor died, are found here and claimed."""
        await every(self.sweep_interval, stop, self._recover, "recovery sweep", logger=log)

    async def _recover(self) -> None:
        for run in await self.leases.runs_to_recover(pending_older_than_s=self.sweep_interval):
            if not self.executor.has_capacity():
                break  # the oldest first; the rest wait for this worker or another
            self.executor.submit(run.run_id, run.thread_id)
