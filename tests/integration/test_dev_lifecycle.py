"""`duragraph dev`: nothing to provision, SIGTERM stops all it started, and a
restart keeps every thread and run."""

from __future__ import annotations

import signal
import subprocess
import tempfile
from pathlib import Path

import psutil
from langgraph_sdk import get_client

from servers import command, free_port, wait_ready


def _embedded_pids(data_dir: Path) -> list[int]:
    """The embedded postgres and nats-server serving this data folder."""
    found = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if proc.info["name"] in ("postgres", "nats-server") and str(data_dir) in cmdline:
            found.append(proc.pid)
    return found


def _start(data_dir: Path, port: int) -> subprocess.Popen:
    dev = subprocess.Popen(command("dev", "--port", str(port), "--data-dir", str(data_dir)))
    wait_ready(f"http://127.0.0.1:{port}", [dev])
    return dev


def _terminate(dev: subprocess.Popen) -> int:
    dev.send_signal(signal.SIGTERM)
    return dev.wait(60)


async def test_sigterm_stops_everything_and_a_restart_keeps_the_data():
    with tempfile.TemporaryDirectory(prefix="dg-dev-") as folder:
        data_dir, port = Path(folder) / "data", free_port()
        dev = _start(data_dir, port)
        client = get_client(url=f"http://127.0.0.1:{port}")
        thread = await client.threads.create(metadata={"kept": True})
        result = await client.runs.wait(thread["thread_id"], "steps", input={})
        assert _embedded_pids(data_dir)  # postgres and nats-server were running

        assert _terminate(dev) == 0
        assert _embedded_pids(data_dir) == []

        dev = _start(data_dir, port)
        try:
            again = await client.threads.get(thread["thread_id"])
            assert again["metadata"]["kept"] is True
            assert again["values"] == result
            runs = await client.runs.list(thread["thread_id"])
            assert [r["status"] for r in runs] == ["success"]
        finally:
            _terminate(dev)
