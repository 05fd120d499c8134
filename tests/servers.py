"""DuraGraph as real processes, for the tests that need them."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Iterator

import httpx
import psycopg

GRAPHS = Path(__file__).resolve().parent / "graphs" / "langgraph.json"
TEST_LEASE_SECONDS = 2  # short, so that recovery tests finish quickly


@contextlib.contextmanager
def fresh_database(server_url: str, prefix: str = "dg_test") -> Iterator[str]:
    """A new, empty database on the PostgreSQL at `server_url`, dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield psycopg.conninfo.make_conninfo(server_url, dbname=name)
    finally:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def command(*args: str, config: Path = GRAPHS) -> list[str]:
    return [
        sys.executable,
        "-m",
        "duragraph.cli",
        *args,
        "--config",
        str(config),
        "--log-level",
        os.environ.get("DURAGRAPH_TEST_LOG_LEVEL", "WARNING"),
    ]


def project_with_checkpointer(folder: Path, checkpointer: dict) -> Path:
    """A langgraph.json in `folder` serving the `steps` and `interrupting`
    graphs, with this `checkpointer` section."""
    project = json.loads(GRAPHS.read_text())
    project["dependencies"] = [str(GRAPHS.parent)]
    project["graphs"] = {
        name: str(GRAPHS.parent / f"{name}.py") + ":graph" for name in ("steps", "interrupting")
    }
    project.pop("store", None)  # its embedding function is a path relative to GRAPHS
    project["checkpointer"] = checkpointer
    path = folder / "langgraph.json"
    path.write_text(json.dumps(project))
    return path


def dev_command(config: Path, data_dir: Path | str, port: int, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "duragraph.cli",
        "dev",
        "--port",
        str(port),
        "--config",
        str(config),
        "--data-dir",
        str(data_dir),
        *extra,
    ]


def dev_refusing(folder: Path, checkpointer: dict) -> subprocess.CompletedProcess:
    """`duragraph dev` with this `checkpointer` section, expected to stop at once."""
    config = project_with_checkpointer(folder, checkpointer)
    return subprocess.run(
        dev_command(config, folder / "data", free_port()),
        capture_output=True,
        text=True,
        timeout=60,
    )


@contextlib.contextmanager
def dev_on(
    config: Path, data_dir: Path, database_url: str, nats_url: str, nats_prefix: str
) -> Iterator[str]:
    """`duragraph dev` on external PostgreSQL and NATS; yields its URL."""
    port = free_port()
    env = {
        **os.environ,
        "DURAGRAPH_DATABASE_URL": database_url,
        "DURAGRAPH_NATS_URL": nats_url,
        "DURAGRAPH_NATS_PREFIX": nats_prefix,
    }
    proc = subprocess.Popen(dev_command(config, data_dir, port), env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, [proc])
        yield url
    finally:
        stop([proc])


def wait_ready(url: str, procs: list[subprocess.Popen], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for p in procs:
            if p.poll() is not None:
                raise RuntimeError(f"server exited with {p.returncode}")
        try:
            if httpx.get(f"{url}/ok", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("server did not become ready")


def stop(procs: list[subprocess.Popen], sig: int = signal.SIGTERM) -> None:
    for p in procs:
        if p.poll() is None:
            p.send_signal(sig)
    for p in procs:
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


class Cluster:
    """`serve` and any number of `worker` processes on one database and NATS."""

    def __init__(self, env: dict[str, str], config: Path = GRAPHS) -> None:
        self.env, self.config = env, config
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.api: subprocess.Popen | None = None
        self.workers: list[subprocess.Popen] = []

    def start_api(self, mode: str = "serve") -> None:
        self.api = subprocess.Popen(
            command(mode, "--port", str(self.port), config=self.config), env=self.env
        )
        wait_ready(self.url, [self.api])

    def start_worker(self) -> subprocess.Popen:
        worker = subprocess.Popen(command("worker", config=self.config), env=self.env)
        self.workers.append(worker)
        return worker

    def close(self) -> None:
        stop([*self.workers, *([self.api] if self.api else [])])
