"""An embedded server of a running `duragraph dev` killed with SIGKILL: dev
says so in one line, starts it again, and runs work again; it never serves on
with a dead database or broker. Stopped afterwards, nothing is left running."""

from __future__ import annotations

import asyncio
import os
import signal
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterator

import httpx
import psutil
import pytest
from langgraph_sdk import get_client

from dev_processes import Dev, names, still_running
from duragraph.infrastructure.embedded.postgres import Postmaster
from duragraph.infrastructure.embedded.processes import read_pidfile
from servers import free_port

RECOVERS_WITHIN_S = 20.0


@pytest.fixture(scope="module")
def dev() -> Iterator[Dev]:
    with tempfile.TemporaryDirectory(prefix="dg-dev-deaths-") as folder:
        running = Dev(Path(folder) / "data", free_port()).ready()
        try:
            yield running
        finally:
            started = running.processes()
            os.kill(running.pid, signal.SIGTERM)
            code = running.wait(30)
            left = still_running(started)
            running.kill()  # only what a failed stop left behind
            assert (code, left) == (0, [])


def _postmaster(data_dir: Path) -> int | None:
    found = Postmaster.read(data_dir / "postgres")
    return found.pid if found else None


def _nats_server(data_dir: Path) -> int | None:
    return read_pidfile(data_dir / "nats" / "nats-server.pid")


async def _a_run_works(url: str) -> None:
    client, deadline, last = get_client(url=url), time.monotonic() + RECOVERS_WITHIN_S, None
    while time.monotonic() < deadline:
        try:
            thread = await client.threads.create()
            result = await asyncio.wait_for(
                client.runs.wait(thread["thread_id"], "echo", input={"messages": []}), 10
            )
            assert isinstance(result, dict)
            return
        except (httpx.HTTPError, asyncio.TimeoutError) as exc:  # during the outage
            last = exc
            await asyncio.sleep(0.5)
    raise AssertionError(f"no run worked within {RECOVERS_WITHIN_S}s: {last!r}")


def _said_once(dev: Dev, line: str, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline and line not in dev.output():
        time.sleep(0.1)
    return dev.output().count(line) == 1


@pytest.mark.parametrize(
    "name, pid_of", [("embedded PostgreSQL", _postmaster), ("embedded NATS", _nats_server)]
)
async def test_a_killed_embedded_server_is_named_and_restarted(
    dev: Dev, name: str, pid_of: Callable[[Path], int | None]
):
    killed = pid_of(dev.data_dir)
    assert killed is not None and psutil.pid_exists(killed)
    os.kill(killed, signal.SIGKILL)

    assert _said_once(dev, f"{name} (pid {killed}) died; restarting it"), dev.output()
    await _a_run_works(dev.url)
    assert dev.proc.poll() is None
    assert pid_of(dev.data_dir) not in (None, killed)
    assert "Traceback" not in dev.output(), dev.output()


def test_dev_killed_with_sigkill_leaves_no_embedded_server_running():
    with tempfile.TemporaryDirectory(prefix="dg-dev-sigkill-") as folder:
        dev = Dev(Path(folder) / "data", free_port()).ready()
        try:
            started = dev.processes()
            assert names(started) >= {"postgres", "nats-server"}
            os.kill(dev.pid, signal.SIGKILL)
            dev.wait(10)
            left = still_running(started)
        finally:
            dev.kill()  # only what the guards left behind
        assert left == []
