"""The supervisor of `dev`'s embedded servers, against hand-written servers:
a dead one is restarted (again while it refuses, up to a deadline); one that
cannot be restarted stops dev with one line that says which and why."""

from __future__ import annotations

import asyncio

from duragraph.infrastructure.embedded.processes import EmbeddedServerError
from duragraph.infrastructure.embedded.supervisor import Supervisor


class FakeServer:
    def __init__(self, name: str, *, refusals: int = 0) -> None:
        self.name, self.pid, self.running, self.refusals = name, 100, True, refusals
        self.restarts = 0

    def alive(self) -> bool:
        return self.running

    def restart(self) -> None:
        self.restarts += 1
        if self.refusals:
            self.refusals -= 1
            raise EmbeddedServerError(f"{self.name}: pg_ctl start exited with 1\n--- log ---")
        self.pid, self.running = self.pid + 1, True


async def _supervise(
    servers: list[FakeServer], restart_within: float = 5.0, for_s: float = 0.3
) -> tuple[Supervisor, bool]:
    stop, gave_up = asyncio.Event(), []
    supervisor = Supervisor(servers, interval=0.01, restart_within=restart_within)
    task = asyncio.create_task(supervisor.run(stop, lambda: gave_up.append(True)))
    await asyncio.sleep(for_s)
    stop.set()
    await task
    return supervisor, bool(gave_up)


async def test_a_dead_server_is_restarted_and_dev_serves_on():
    db, broker = FakeServer("embedded PostgreSQL"), FakeServer("embedded NATS")
    db.running = False
    supervisor, gave_up = await _supervise([db, broker])
    assert (db.running, db.restarts, broker.restarts) == (True, 1, 0)
    assert (supervisor.failure, gave_up) == (None, False)


async def test_a_restart_refused_for_a_moment_is_tried_again():
    db = FakeServer("embedded PostgreSQL", refusals=2)  # its old backends still hold on
    db.running = False
    _supervisor, gave_up = await _supervise([db], for_s=1.5)
    assert (db.running, db.restarts, gave_up) == (True, 3, False)


async def test_a_server_that_cannot_be_restarted_stops_dev_with_one_line():
    db = FakeServer("embedded PostgreSQL", refusals=1000)
    db.running = False
    supervisor, gave_up = await _supervise([db], restart_within=0.2, for_s=1.5)
    assert gave_up
    assert supervisor.failure == (
        "embedded PostgreSQL died and could not be restarted: "
        "embedded PostgreSQL: pg_ctl start exited with 1"
    )


async def test_nothing_is_restarted_once_dev_is_stopping():
    db = FakeServer("embedded PostgreSQL")
    stop = asyncio.Event()
    stop.set()
    db.running = False  # stopped by dev's own shutdown
    await Supervisor([db], interval=0.01).run(stop, lambda: None)
    assert db.restarts == 0
