"""Two deployments on one NATS with the same subject prefix but different
databases would take each other's runs: the second is refused at startup,
saying why and what to change. The same database again is welcome."""

from __future__ import annotations

import asyncio
import subprocess
import uuid
import time
from typing import Iterator

import httpx
import pytest

from duragraph.infrastructure.nats.connection import connect
from duragraph.infrastructure.nats.ownership import claim_prefix, owner_bucket
from duragraph.infrastructure.nats.subjects import events_stream, runs_stream
from servers import Cluster, command, free_port, fresh_database


@pytest.fixture
def other_database(pg_server_url: str) -> Iterator[str]:
    with fresh_database(pg_server_url, "dg_other") as url:
        yield url


@pytest.fixture
async def prefix_streams_removed(nats_url: str, nats_prefix: str):
    yield
    nc = await connect(nats_url, name="test-cleanup")
    js = nc.jetstream()
    for name in (
        events_stream(nats_prefix),
        runs_stream(nats_prefix),
        f"KV_{owner_bucket(nats_prefix)}",
    ):
        try:
            await js.delete_stream(name)
        except Exception:
            pass  # not created
    await nc.close()


def _serve(env: dict[str, str]) -> subprocess.CompletedProcess:
    """A `serve` that is expected to refuse to start (it never answers)."""
    return subprocess.run(
        command("serve", "--port", str(free_port())),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_second_database_on_the_same_prefix_is_refused(
    prefix_streams_removed, cluster: Cluster, other_database: str
) -> None:
    refused = _serve({**cluster.env, "DURAGRAPH_DATABASE_URL": other_database})
    assert refused.returncode != 0
    message = refused.stderr.strip().splitlines()[-1]
    assert cluster.env["DURAGRAPH_NATS_PREFIX"] in message and "DURAGRAPH_NATS_PREFIX" in message
    assert "dg_other_" in message and "dg_test_" in message  # both databases named
    assert "Traceback" not in refused.stderr


def test_the_same_database_again_on_the_prefix_starts(
    prefix_streams_removed, cluster: Cluster
) -> None:
    cluster.start_worker()
    assert _live_workers(cluster.url, 1), "the worker of the same database did not start"
    second = Cluster(cluster.env)
    second.start_api()  # a second `serve` of the same deployment answers
    second.close()


def _live_workers(url: str, n: int, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        metrics = httpx.get(f"{url}/metrics", params={"format": "json"}).json()
        if metrics["workers"]["alive"] == n:
            return True
        time.sleep(0.2)
    return False


async def test_processes_of_one_deployment_starting_at_once_all_claim_the_prefix(
    nats_url: str,
) -> None:
    """`serve` and `worker` (and more of them) start together: none may be
    refused for creating the owner bucket at the same moment as another."""
    clients = [await connect(nats_url, name=f"claimer-{n}") for n in range(6)]
    try:
        for _ in range(40):
            prefix = f"dgclaim{uuid.uuid4().hex[:8]}"
            outcomes = await asyncio.gather(
                *[claim_prefix(c.jetstream(), prefix, "db-1") for c in clients],
                return_exceptions=True,
            )
            await clients[0].jetstream().delete_stream(f"KV_{owner_bucket(prefix)}")
            assert outcomes == [None] * len(clients), outcomes
    finally:
        for client in clients:
            await client.close()
