"""The server under test, as real processes, driven by the official SDK.

Mode `dev`: one `duragraph dev` process with embedded PostgreSQL and NATS.
Mode `split`: `duragraph serve` and `duragraph worker` as separate processes
against the external PostgreSQL and NATS named by DURAGRAPH_TEST_DATABASE_URL
and DURAGRAPH_TEST_NATS_URL (only when those are set).
"""
from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
import uuid
from pathlib import Path
from typing import Iterator

import psycopg
import pytest
from langgraph_sdk import get_client

from servers import command as _command
from servers import free_port, stop, wait_ready

MODES = ["dev"] + (["split"] if os.environ.get("DURAGRAPH_TEST_DATABASE_URL")
                   and os.environ.get("DURAGRAPH_TEST_NATS_URL") else [])


@pytest.fixture(scope="session")
def counter_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="dg-counters-") as folder:
        yield Path(folder)


def _with_db(base_url: str, name: str) -> str:
    info = psycopg.conninfo.conninfo_to_dict(base_url)
    info["dbname"] = name
    return psycopg.conninfo.make_conninfo(**info)


@contextlib.contextmanager
def _database(base_url: str) -> Iterator[str]:
    name = f"dg_e2e_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield _with_db(base_url, name)
    finally:
        with psycopg.connect(base_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@contextlib.contextmanager
def _processes(mode: str, env: dict[str, str], port: int, data_dir: str,
               request: pytest.FixtureRequest) -> Iterator[list[subprocess.Popen]]:
    if mode == "dev":
        yield [subprocess.Popen(_command("dev", "--port", str(port), "--data-dir", data_dir),
                                env=env)]
        return
    pg_url, nats_url = request.getfixturevalue("pg_server_url"), request.getfixturevalue("nats_url")
    with _database(pg_url) as database_url:
        env = {**env, "DURAGRAPH_DATABASE_URL": database_url, "DURAGRAPH_NATS_URL": nats_url,
               "DURAGRAPH_NATS_PREFIX": f"dge2e{uuid.uuid4().hex[:8]}"}
        yield [subprocess.Popen(_command("serve", "--port", str(port)), env=env),
               subprocess.Popen(_command("worker"), env=env)]


@pytest.fixture(scope="session", params=MODES)
def server_url(request, counter_dir: Path) -> Iterator[str]:
    env = {**os.environ, "DURAGRAPH_TEST_COUNTER_DIR": str(counter_dir),
           "DURAGRAPH_LEASE_SECONDS": "3", "DURAGRAPH_GRACE_SECONDS": "5"}
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="dg-e2e-") as data_dir, \
            _processes(request.param, env, port, data_dir, request) as procs:
        try:
            wait_ready(url, procs)
            yield url
        finally:
            stop(procs)


@pytest.fixture
def client(server_url: str):
    return get_client(url=server_url)
