"""Stopping `duragraph dev` every way a user or a process manager does: Ctrl-C
in its terminal, SIGTERM to its process group, SIGINT or SIGTERM to it alone.
Each time it exits 0 within 5 s without a traceback, nothing it started is
left running, and the run it was executing is resumed by the next start."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterator

import psycopg
import pytest
from langgraph_sdk import get_client

from dev_processes import Dev, names, still_running
from duragraph.infrastructure.embedded.postgres import running_url
from servers import command, free_port

EXITS_WITHIN_S = 5.0
SLOW_RUN_S = 4.0  # longer than dev's grace: the run is handed back, not finished


def _ctrl_c(dev: Dev) -> None:
    dev.press_ctrl_c()


def _group_sigterm(dev: Dev) -> None:
    os.killpg(dev.pid, signal.SIGTERM)


def _sigint(dev: Dev) -> None:
    os.kill(dev.pid, signal.SIGINT)


def _sigterm(dev: Dev) -> None:
    os.kill(dev.pid, signal.SIGTERM)


STOPS: dict[str, Callable[[Dev], None]] = {
    "ctrl-c in its terminal": _ctrl_c,
    "SIGTERM to its process group": _group_sigterm,
    "SIGINT to dev alone": _sigint,
    "SIGTERM to dev alone": _sigterm,
}


@pytest.fixture
def data_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="dg-dev-stop-") as folder:
        yield Path(folder) / "data"


async def _slow_run_running(url: str) -> tuple[str, str]:
    client = get_client(url=url)
    thread = await client.threads.create()
    run = await client.runs.create(thread["thread_id"], "slow", input={"sleep": SLOW_RUN_S})
    for _ in range(200):
        if (await client.runs.get(thread["thread_id"], run["run_id"]))["status"] == "running":
            return thread["thread_id"], run["run_id"]
        await asyncio.sleep(0.05)
    raise AssertionError("the slow run never started")


def _claim_epochs(data_dir: Path, run_id: str) -> list[int]:
    url = running_url(data_dir / "postgres")
    assert url is not None
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT (data->>'epoch')::int FROM events WHERE type='run.started' "
            "AND data->>'run_id'=%s ORDER BY position",
            (run_id,),
        ).fetchall()
    return [r[0] for r in rows]


@pytest.mark.parametrize("how", list(STOPS))
async def test_dev_stops_cleanly_and_its_next_start_resumes_the_run_in_flight(
    how: str, data_dir: Path
):
    port = free_port()
    dev = Dev(data_dir, port, terminal=how == "ctrl-c in its terminal").ready()
    try:
        thread_id, run_id = await _slow_run_running(dev.url)
        started = dev.processes()
        assert names(started) >= {"postgres", "nats-server"}

        stopping = time.monotonic()
        STOPS[how](dev)
        code = dev.wait(30)
        took = time.monotonic() - stopping
        left = still_running(started)
    finally:
        dev.kill()  # only what a failed stop left behind
    assert (code, "Traceback" in dev.output()) == (0, False), dev.output()
    assert took < EXITS_WITHIN_S, f"dev took {took:.1f}s to stop"
    assert left == []

    again = Dev(data_dir, port).ready()
    try:
        client = get_client(url=again.url)
        result = await asyncio.wait_for(client.runs.join(thread_id, run_id), SLOW_RUN_S + 10)
        assert result["done"] is True
        assert _claim_epochs(data_dir, run_id) == [1, 2]
    finally:
        _sigterm(again)
        assert again.wait(30) == 0


async def test_a_second_dev_on_the_same_data_folder_is_one_line_and_the_first_serves_on(
    data_dir: Path,
):
    first = Dev(data_dir, free_port()).ready()
    try:
        second = subprocess.run(
            command("dev", "--port", str(free_port()), "--data-dir", str(data_dir)),
            capture_output=True,
            text=True,
            timeout=30,
        )
        said = (second.stdout + second.stderr).strip()
        assert second.returncode != 0
        assert said.splitlines() == [
            (
                f"duragraph: another duragraph dev (pid {first.pid}) is "
                f"using {data_dir}; stop it or choose another --data-dir"
            )
        ]
        client = get_client(url=first.url)
        thread = await client.threads.create()
        assert await client.runs.wait(thread["thread_id"], "slow", input={"sleep": 0}) == {
            "sleep": 0,
            "done": True,
        }
    finally:
        _sigterm(first)
        assert first.wait(30) == 0


async def test_ctrl_c_while_dev_starts_its_servers_leaves_nothing_running(data_dir: Path):
    dev = Dev(data_dir, free_port(), terminal=True)
    try:
        while not (data_dir / "nats").exists():  # PostgreSQL is up, NATS starting
            assert dev.proc.poll() is None, dev.output()
            time.sleep(0.02)
        seen = dev.processes()
        dev.press_ctrl_c()
        stopping = time.monotonic()
        code = dev.wait(30)
        took = time.monotonic() - stopping
        left = still_running(seen + dev.servers_on_folder())
    finally:
        dev.kill()  # only what a failed stop left behind
    assert (code, "Traceback" in dev.output()) == (0, False), dev.output()
    assert took < EXITS_WITHIN_S, f"dev took {took:.1f}s to stop"
    assert left == []


async def test_closing_the_terminal_of_dev_stops_it_and_all_it_started(data_dir: Path):
    dev = Dev(data_dir, free_port(), terminal=True).ready()
    try:
        await _slow_run_running(dev.url)
        started = dev.processes()
        dev.close_terminal()
        closing = time.monotonic()
        dev.wait(30)
        took = time.monotonic() - closing
        left = still_running(started)
    finally:
        dev.kill()  # only what a failed stop left behind
    assert took < EXITS_WITHIN_S, f"dev took {took:.1f}s to stop"
    assert left == []
