"""The server under test, as real processes, driven by the official SDK.

Mode `dev`: one `duragraph dev` process with embedded PostgreSQL and NATS.
Mode `split`: `duragraph serve` and `duragraph worker` as separate processes
against the external PostgreSQL and NATS named by DURAGRAPH_TEST_DATABASE_URL
and DURAGRAPH_TEST_NATS_URL (only when those are set).
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Iterator

import httpx
import psycopg
import pytest
from langgraph_sdk import get_client

GRAPHS = Path(__file__).resolve().parents[1] / "graphs" / "langgraph.json"
MODES = ["dev"] + (["split"] if os.environ.get("DURAGRAPH_TEST_DATABASE_URL")
                   and os.environ.get("DURAGRAPH_TEST_NATS_URL") else [])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


def stop(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "duragraph.cli", *args, "--config", str(GRAPHS),
            "--log-level", "WARNING"]


@pytest.fixture(scope="session")
def counter_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="dg-counters-") as folder:
        yield Path(folder)


def _external_db(base_url: str) -> str:
    name = f"dg_e2e_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    info = psycopg.conninfo.conninfo_to_dict(base_url)
    info["dbname"] = name
    return psycopg.conninfo.make_conninfo(**info)


def _start(mode: str, env: dict[str, str], data_dir: str) -> tuple[str, list[subprocess.Popen]]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    if mode == "dev":
        procs = [subprocess.Popen(_command("dev", "--port", str(port), "--data-dir", data_dir),
                                  env=env)]
    else:
        env = {**env, "DURAGRAPH_DATABASE_URL": _external_db(env["DURAGRAPH_TEST_DATABASE_URL"]),
               "DURAGRAPH_NATS_URL": env["DURAGRAPH_TEST_NATS_URL"],
               "DURAGRAPH_NATS_PREFIX": f"dge2e{uuid.uuid4().hex[:8]}"}
        subprocess.run(_command("migrate"), env=env, check=True)
        procs = [subprocess.Popen(_command("serve", "--port", str(port)), env=env),
                 subprocess.Popen(_command("worker"), env=env)]
    wait_ready(url, procs)
    return url, procs


@pytest.fixture(scope="session", params=MODES)
def server_url(request, counter_dir: Path) -> Iterator[str]:
    env = {**os.environ, "DURAGRAPH_TEST_COUNTER_DIR": str(counter_dir),
           "DURAGRAPH_LEASE_SECONDS": "3", "DURAGRAPH_GRACE_SECONDS": "5"}
    with tempfile.TemporaryDirectory(prefix="dg-e2e-") as data_dir:
        url, procs = _start(request.param, env, data_dir)
        try:
            yield url
        finally:
            stop(procs)


@pytest.fixture
def client(server_url: str):
    return get_client(url=server_url)
