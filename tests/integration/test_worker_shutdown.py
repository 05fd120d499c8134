"""SIGTERM on a worker: it stops taking runs, lets short ones finish within
its grace period, hands the others back at once, and exits cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import time

import psycopg
import pytest
from langgraph_sdk import get_client

from servers import Cluster

GRACE_SECONDS = 2
LONG_LEASE = 30  # only a hand-back, not a lapsed lease, can move a run this fast


@pytest.fixture
def long_lease_cluster(database_url: str, nats_url: str, nats_prefix: str):
    env = {
        **os.environ,
        "DURAGRAPH_DATABASE_URL": database_url,
        "DURAGRAPH_NATS_URL": nats_url,
        "DURAGRAPH_NATS_PREFIX": nats_prefix,
        "DURAGRAPH_LEASE_SECONDS": str(LONG_LEASE),
        "DURAGRAPH_SWEEP_INTERVAL": "0.5",
        "DURAGRAPH_GRACE_SECONDS": str(GRACE_SECONDS),
    }
    c = Cluster(env)
    c.start_api()
    yield c
    c.close()


async def _status(client, thread_id: str, run_id: str) -> str:
    return (await client.runs.get(thread_id, run_id))["status"]


async def _until_running(client, thread_id: str, run_id: str) -> None:
    for _ in range(200):
        if await _status(client, thread_id, run_id) == "running":
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the run never started")


async def test_a_run_within_the_grace_period_finishes_before_the_worker_exits(
    long_lease_cluster: Cluster,
):
    client = get_client(url=long_lease_cluster.url)
    worker = long_lease_cluster.start_worker()
    thread = await client.threads.create()
    run = await client.runs.create(thread["thread_id"], "slow", input={"sleep": 1})
    await _until_running(client, thread["thread_id"], run["run_id"])
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(GRACE_SECONDS + 10) == 0
    assert await _status(client, thread["thread_id"], run["run_id"]) == "success"


async def test_a_longer_run_is_handed_back_and_another_worker_takes_it_at_once(
    long_lease_cluster: Cluster, database_url: str
):
    client = get_client(url=long_lease_cluster.url)
    worker = long_lease_cluster.start_worker()
    thread = await client.threads.create()
    run = await client.runs.create(thread["thread_id"], "slow", input={"sleep": 4})
    await _until_running(client, thread["thread_id"], run["run_id"])

    stopped = time.monotonic()
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(GRACE_SECONDS + 10) == 0
    assert time.monotonic() - stopped < GRACE_SECONDS + 5

    long_lease_cluster.start_worker()
    result = await asyncio.wait_for(
        client.runs.join(thread["thread_id"], run["run_id"]), LONG_LEASE / 2
    )
    assert result["done"] is True
    async with await psycopg.AsyncConnection.connect(database_url) as conn:
        cur = await conn.execute(
            "SELECT (data->>'epoch')::int FROM events WHERE "
            "type='run.started' AND data->>'run_id'=%s ORDER BY position",
            (run["run_id"],),
        )
        assert [r[0] for r in await cur.fetchall()] == [1, 2]
