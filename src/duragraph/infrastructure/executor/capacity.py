"""Run slots: the tasks of the runs executing here, at most `max_active`,
counting the slots held for runs being created here (`hold`): many requests
at once each see a slot only if one is left for it."""

from __future__ import annotations

import asyncio
import time

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
        # Slots held for runs being created here, until they start (`take`) or
        # their deadline passes (a run that never starts here gives it back).
        self._held: dict[str, float] = {}

    def has_capacity(self) -> bool:
        return len(self.active) + self._holding() < self.max_active

    def hold(self, run_id: str, seconds: float) -> bool:
        """A slot for `run_id`, about to be created and started here, if one is free."""
        if not self.has_capacity():
            return False
        self._held[run_id] = time.monotonic() + seconds
        self._update_room()
        return True

    def unhold(self, run_id: str) -> None:
        if self._held.pop(run_id, None) is not None:
            self._update_room()

    def _holding(self) -> int:
        if self._held:
            now = time.monotonic()
            for run_id in [r for r, until in self._held.items() if until <= now]:
                del self._held[run_id]
        return len(self._held)

    def _update_room(self) -> None:
        if self.has_capacity():
            self.room.set()
        else:
            self.room.clear()

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
        self._held.pop(run_id, None)
        self.active[run_id] = task
        self.idle.clear()
        self._update_room()
        self._started[run_id] = None
        if len(self._started) > _STARTED_MEMORY:
            del self._started[next(iter(self._started))]
        task.add_done_callback(lambda _: self._free(run_id))

    def _free(self, run_id: str) -> None:
        self.active.pop(run_id, None)
        self._update_room()
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
