"""`serve` executes no run: it says when no worker is alive (at startup, and
naming a run that waits for one), and /metrics counts the live workers and
their run slots from their heartbeats."""

from __future__ import annotations

import asyncio
import inspect
import signal
import subprocess
import time
from pathlib import Path
from typing import Iterator

import httpx
import psutil
import pytest
from langgraph_sdk import get_client

from servers import Cluster, command, stop, wait_ready

NO_WORKER = "no live worker"


class LoggedCluster(Cluster):
    """A Cluster whose `serve` writes its log to a file the test reads."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        super().__init__(env)
        self.log = log

    def start_api(self, mode: str = "serve") -> None:
        with self.log.open("w") as log:
            self.api = subprocess.Popen(
                command(mode, "--port", str(self.port)), env=self.env, stderr=log
            )
        wait_ready(self.url, [self.api])

    def lines(self, text: str) -> list[str]:
        return [line for line in self.log.read_text().splitlines() if text in line]


@pytest.fixture
def serve_only(cluster_env: dict[str, str], tmp_path: Path) -> Iterator[LoggedCluster]:
    cluster = LoggedCluster(cluster_env, tmp_path / "serve.log")
    cluster.start_api()
    try:
        yield cluster
    finally:
        children = [
            p
            for proc in [cluster.api, *cluster.workers]
            if proc.poll() is None
            for p in psutil.Process(proc.pid).children(recursive=True)
        ]
        cluster.close()
        assert psutil.wait_procs(children, timeout=10)[1] == []


async def _until(probe, timeout: float = 20.0):
    """`probe`'s first truthy value (it may be a coroutine function), or its last."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        found = await found if inspect.isawaitable(found) else found
        if found or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.2)


async def _workers(url: str) -> dict:
    async with httpx.AsyncClient() as http:
        return (await http.get(f"{url}/metrics", params={"format": "json"})).json()["workers"]


async def test_serve_without_a_worker_says_so_and_names_a_waiting_run(serve_only: LoggedCluster):
    assert await _until(lambda: serve_only.lines(NO_WORKER), timeout=5)
    client = get_client(url=serve_only.url)
    thread = await client.threads.create()
    run = await client.runs.create(thread["thread_id"], "echo", input={"value": 1})

    named = await _until(lambda: serve_only.lines(run["run_id"]), timeout=15)
    assert named and "no live worker to take it" in named[0]
    serve_only.start_worker()
    await client.runs.join(thread["thread_id"], run["run_id"])
    assert (await client.runs.get(thread["thread_id"], run["run_id"]))["status"] == "success"
    assert len(serve_only.lines(run["run_id"])) == 1  # named once, not at every check


async def test_metrics_count_live_workers_until_they_stop_or_die(serve_only: LoggedCluster):
    assert (await _workers(serve_only.url))["alive"] == 0
    worker = serve_only.start_worker()
    alive = await _until(lambda: _alive(serve_only.url, 1))
    assert alive and alive["max"] > 0 and alive["max"] == alive["active"] + alive["available"]
    stop([worker])  # a stopping worker takes its heartbeat away at once
    assert await _until(lambda: _alive(serve_only.url, 0), timeout=5)

    killed = serve_only.start_worker()
    assert await _until(lambda: _alive(serve_only.url, 1))
    stop([killed], signal.SIGKILL)  # a killed one's heartbeat just ages out
    assert await _until(lambda: _alive(serve_only.url, 0), timeout=20)
    # said at startup, and again once the last worker is gone
    assert await _until(lambda: len(serve_only.lines(NO_WORKER)) >= 2, timeout=5)


async def _alive(url: str, n: int) -> dict | None:
    workers = await _workers(url)
    return workers if workers["alive"] == n else None
