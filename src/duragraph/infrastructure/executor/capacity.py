"""Run slots: the tasks of the runs executing here, at most `max_active`."""

from __future__ import annotations

import asyncio

_STARTED_MEMORY = 10_000  # run ids of runs started here lately


class RunSlots:
    def __init__(self, max_active: int) -> None:
        self.max_active = max_active
        self.active: dict[str, asyncio.Task[None]] = {}
        # Runs this process started recently: their dispatch messages arrive
        # after the fact and need no claim attempt (a bounded memory).
        self._started: dict[str, None] = {}
        self.idle = asyncio.Event()  # set while no run executes here
        self.idle.set()
        self.room = asyncio.Event()  # set while a slot is free
        self.room.set()

    def has_capacity(self) -> bool:
        return len(self.active) < self.max_active

    def workers(self) -> dict[str, int]:
        """Run slots, as the official server reports its workers in /metrics."""
        active = len(self.active)
        return {
            "max": self.max_active,
            "active": active,
            "available": max(self.max_active - active, 0),
        }

    def started_lately(self, run_id: str) -> bool:
        return run_id in self._started

    def take(self, run_id: str, task: asyncio.Task[None]) -> None:
        """`task` executes the run in a slot until it is done."""
        self.active[run_id] = task
        self.idle.clear()
        if not self.has_capacity():
            self.room.clear()
        self._started[run_id] = None
        if len(self._started) > _STARTED_MEMORY:
            del self._started[next(iter(self._started))]
        task.add_done_callback(lambda _: self._free(run_id))

    def _free(self, run_id: str) -> None:
        self.active.pop(run_id, None)
        if self.has_capacity():
            self.room.set()
        if not self.active:
            self.idle.set()

    def cancel(self, run_id: str) -> bool:
        task = self.active.get(run_id)
        if task is None:
            return False
        task.cancel()
        return True

    async def drain(self, timeout: float) -> None:
        """Wait for running runs, then cancel the rest."""
        tasks = list(self.active.values())
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=timeout)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
