"""Run slots hold under a burst: runs created at once on a `dev` with 4 slots
never execute more than 4 at a time, and every one of them finishes."""

from __future__ import annotations

import asyncio
import subprocess
import tempfile
from typing import Iterator

import httpx
import pytest
from langgraph_sdk import get_client

from servers import command, free_port, stop, wait_ready

SLOTS = 4
BURST = 16


@pytest.fixture(scope="module")
def four_slots() -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="dg-slots-") as data_dir:
        args = ["--port", str(port), "--data-dir", data_dir, "--n-jobs-per-worker", str(SLOTS)]
        procs = [subprocess.Popen(command("dev", *args))]
        try:
            wait_ready(url, procs)
            yield url
        finally:
            stop(procs)


async def _most_running(url: str, done: asyncio.Event) -> int:
    most = 0
    async with httpx.AsyncClient(base_url=url) as http:
        while not done.is_set():
            figures = (await http.get("/metrics", params={"format": "json"})).json()
            most = max(most, figures["queue"]["n_running"])
            await asyncio.sleep(0.02)
    return most


async def test_runs_created_at_once_never_outnumber_the_slots(four_slots: str) -> None:
    client = get_client(url=four_slots)
    threads = [(await client.threads.create())["thread_id"] for _ in range(BURST)]
    done = asyncio.Event()
    watcher = asyncio.create_task(_most_running(four_slots, done))
    runs = await asyncio.gather(
        *(client.runs.create(t, "slow", input={"sleep": 0.5}) for t in threads)
    )
    results = await asyncio.gather(
        *(client.runs.join(t, r["run_id"]) for t, r in zip(threads, runs, strict=True))
    )
    done.set()
    assert await watcher <= SLOTS
    assert [r.get("done") for r in results] == [True] * BURST
