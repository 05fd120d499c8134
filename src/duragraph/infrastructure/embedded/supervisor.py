"""Keeps `dev`'s embedded servers alive while it serves.

A server that dies is named in one line and started again at the same address
(the connection pool and the NATS connection reconnect by themselves, and runs
caught by the outage resume from their last checkpoint). One that cannot be
started again stops `dev` with one line: never serve on a dead database."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from typing import Any, AsyncIterator, Callable, Protocol

from duragraph.infrastructure.embedded.processes import EmbeddedServerError

log = logging.getLogger(__name__)

CHECK_INTERVAL_S = 0.5
RESTART_WITHIN_S = 20.0  # a killed postmaster's backends take a moment to go
RETRY_AFTER_S = 0.5


class Supervised(Protocol):
    name: str

    @property
    def pid(self) -> int | None: ...

    def alive(self) -> bool: ...

    def restart(self) -> None: ...


class Supervisor:
    def __init__(
        self,
        servers: list[Supervised],
        *,
        interval: float = CHECK_INTERVAL_S,
        restart_within: float = RESTART_WITHIN_S,
    ) -> None:
        self.servers, self.interval, self.restart_within = servers, interval, restart_within
        self.failure: str | None = None  # the one line dev exits with

    async def run(self, stop: asyncio.Event, give_up: Callable[[], None]) -> None:
        while not stop.is_set():
            for server in self.servers:
                if not stop.is_set() and not server.alive() and not await self._revive(server):
                    give_up()
                    return
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), self.interval)

    async def _revive(self, server: Supervised) -> bool:
        log.warning("%s (pid %s) died; restarting it", server.name, server.pid)
        error = await self._restart(server)
        if error is None:
            log.info("%s restarted (pid %s)", server.name, server.pid)
            return True
        self.failure = f"{server.name} died and could not be restarted: {error}"
        return False

    async def _restart(self, server: Supervised) -> str | None:
        """None once it runs again, else why not (the first line of the last error)."""
        deadline = time.monotonic() + self.restart_within
        while True:
            try:
                await asyncio.to_thread(server.restart)
                return None
            except EmbeddedServerError as exc:
                if time.monotonic() > deadline:
                    return str(exc).splitlines()[0]
            await asyncio.sleep(RETRY_AFTER_S)


def _stop_dev() -> None:
    os.kill(os.getpid(), signal.SIGTERM)  # the way any stop goes: in order, nothing left


@contextlib.asynccontextmanager
async def supervised(servers: list[Any]) -> AsyncIterator[None]:
    """Supervises `servers` for as long as the block runs; if one could not be
    restarted, dev stops and the block ends with an EmbeddedServerError."""
    if not servers:  # `serve`: its servers are an operator's to keep
        yield
        return
    stop, supervisor = asyncio.Event(), Supervisor(servers)
    task = asyncio.create_task(supervisor.run(stop, _stop_dev), name="embedded-servers")
    try:
        yield
    finally:
        stop.set()
        await task
    if supervisor.failure:
        raise EmbeddedServerError(supervisor.failure)
