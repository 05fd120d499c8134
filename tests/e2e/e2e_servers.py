"""Starting the server under test as real processes (`dev`, or `serve` +
`worker` on the external PostgreSQL and NATS), and SDK clients for the
users of the auth test app. Kept out of conftest.py so test modules can
import it (every test folder has a conftest module of that name)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
import uuid
from pathlib import Path
from typing import Any, Awaitable, Iterator

import httpx
import pytest
from langgraph_sdk import get_client

from servers import GRAPHS, free_port, fresh_database, stop, wait_ready
from servers import command as _command

AUTH_GRAPHS = GRAPHS.parent / "langgraph.auth.json"

MODES = ["dev"] + (
    ["split"]
    if os.environ.get("DURAGRAPH_TEST_DATABASE_URL") and os.environ.get("DURAGRAPH_TEST_NATS_URL")
    else []
)


@contextlib.contextmanager
def _processes(
    mode: str,
    env: dict[str, str],
    port: int,
    data_dir: str,
    request: pytest.FixtureRequest,
    config: Path = GRAPHS,
) -> Iterator[list[subprocess.Popen]]:
    if mode == "dev":
        yield [
            subprocess.Popen(
                _command("dev", "--port", str(port), "--data-dir", data_dir, config=config), env=env
            )
        ]
        return
    pg_url, nats_url = request.getfixturevalue("pg_server_url"), request.getfixturevalue("nats_url")
    with fresh_database(pg_url, "dg_e2e") as database_url:
        # The worker serves no HTTP: told where the API is, as a deployment would.
        env = {
            **env,
            "DURAGRAPH_DATABASE_URL": database_url,
            "DURAGRAPH_NATS_URL": nats_url,
            "DURAGRAPH_NATS_PREFIX": f"dge2e{uuid.uuid4().hex[:8]}",
            "DURAGRAPH_PUBLIC_URL": f"http://127.0.0.1:{port}",
        }
        yield [
            subprocess.Popen(_command("serve", "--port", str(port), config=config), env=env),
            subprocess.Popen(_command("worker", config=config), env=env),
        ]


@contextlib.contextmanager
def server(
    request: pytest.FixtureRequest, counter_dir: Path, config: Path = GRAPHS
) -> Iterator[str]:
    env = {
        **os.environ,
        "DURAGRAPH_TEST_COUNTER_DIR": str(counter_dir),
        "DURAGRAPH_LEASE_SECONDS": "3",
        "DURAGRAPH_GRACE_SECONDS": "5",
    }
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with (
        tempfile.TemporaryDirectory(prefix="dg-e2e-") as data_dir,
        _processes(request.param, env, port, data_dir, request, config) as procs,
    ):
        try:
            wait_ready(url, procs)
            yield url
        finally:
            stop(procs)


def as_user(url: str, user: str | None):
    """An SDK client for `user` ("alice", "bob") or, with None, no credentials."""
    headers = {"Authorization": f"Bearer token-{user}"} if user else {}
    return get_client(url=url, headers=headers)


async def refused_with(call: Awaitable[Any]) -> int:
    """The HTTP status an SDK call fails with (the SDK raises its own errors
    for some calls and httpx's for others); fails the test if it succeeds."""
    try:
        await call
    except httpx.HTTPStatusError as exc:
        return exc.response.status_code
    raise AssertionError("the call succeeded")
