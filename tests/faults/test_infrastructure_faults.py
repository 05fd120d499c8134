"""NATS stops for a while, PostgreSQL restarts, its connections are killed,
all under load. Both servers here are the test's own (embedded), never the
machine's: the API keeps accepting through a NATS outage and the relay catches
up; after PostgreSQL comes back every process reconnects by itself."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import httpx

from duragraph.infrastructure.embedded.nats import EmbeddedNats
from duragraph.infrastructure.embedded.postgres import EmbeddedPostgres
from faults_support import Processes, assert_invariants, create_steps_runs, env_for, query
from servers import TEST_LEASE_SECONDS

NATS_OUTAGE_SECONDS = float(os.environ.get("DURAGRAPH_FAULTS_NATS_OUTAGE", "30"))


async def _keep_creating(
    url: str, until_set: asyncio.Event, accepted: dict[str, str], refused: list[int]
) -> None:
    """One `steps` run at a time until told to stop; 2xx runs are accepted."""
    async with httpx.AsyncClient(base_url=url, timeout=30.0) as http:
        while not until_set.is_set():
            try:
                thread = await http.post("/threads", json={})
                if thread.status_code == 200:
                    tid = thread.json()["thread_id"]
                    run = await http.post(
                        f"/threads/{tid}/runs",
                        json={"assistant_id": "steps", "input": {"delay": 0.1}},
                    )
                    if run.status_code == 200:
                        accepted[run.json()["run_id"]] = tid
                    else:
                        refused.append(run.status_code)
                else:
                    refused.append(thread.status_code)
            except httpx.TransportError:
                refused.append(0)
            await asyncio.sleep(0.2)


async def test_a_nats_outage_under_load_loses_nothing_and_the_relay_catches_up(
    own_nats: EmbeddedNats, database_url: str, nats_prefix: str, counters: Path
):
    assert own_nats.url is not None
    nats_url = own_nats.url
    procs = Processes(
        env_for(database_url, nats_url, nats_prefix, counters, lease=TEST_LEASE_SECONDS)
    )
    try:
        procs.start_api()
        procs.start_worker()
        runs = await create_steps_runs(procs.url, 10, delay=0.5)
        stop, during, refused = asyncio.Event(), {}, []
        await asyncio.to_thread(own_nats.stop)
        load = asyncio.create_task(_keep_creating(procs.url, stop, during, refused))
        await asyncio.sleep(NATS_OUTAGE_SECONDS)
        stop.set()
        await load
        assert refused == [] and len(during) >= 5  # the API kept accepting
        await asyncio.to_thread(own_nats.start)
        assert own_nats.url == nats_url
        await assert_invariants(
            database_url, nats_url, nats_prefix, counters, {**runs, **during}, crashes=0
        )
    finally:
        procs.close()


async def test_postgres_restarted_under_load_every_process_reconnects_and_resumes(
    own_postgres: EmbeddedPostgres, nats_url: str, nats_prefix: str, counters: Path
):
    database_url = own_postgres.url
    assert database_url is not None
    procs = Processes(
        env_for(database_url, nats_url, nats_prefix, counters, lease=TEST_LEASE_SECONDS)
    )
    try:
        procs.start_api()
        procs.start_worker()
        runs = await create_steps_runs(procs.url, 20, delay=0.5)
        stop, during, refused = asyncio.Event(), {}, []
        load = asyncio.create_task(_keep_creating(procs.url, stop, during, refused))
        await asyncio.sleep(1.0)
        await asyncio.to_thread(own_postgres.stop)
        await asyncio.sleep(2.0)
        await asyncio.to_thread(own_postgres.start)
        assert own_postgres.url == database_url
        restarted = time.monotonic()
        await asyncio.sleep(5.0)
        stop.set()
        await load
        # Reconnected by themselves: new work is accepted and runs to its end.
        after = await create_steps_runs(procs.url, 5, delay=0.1)
        await assert_invariants(
            database_url, nats_url, nats_prefix, counters, {**runs, **during, **after}, crashes=1
        )
        assert time.monotonic() - restarted < 180
    finally:
        procs.close()


async def test_killed_postgres_connections_under_load_are_replaced(
    procs: Processes, database_url: str, nats_url: str, nats_prefix: str, counters: Path
):
    procs.start_worker()
    runs = await create_steps_runs(procs.url, 20, delay=0.5)
    for _ in range(5):
        await asyncio.sleep(0.5)
        await query(
            database_url,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
    after = await create_steps_runs(procs.url, 5, delay=0.1)
    await assert_invariants(
        database_url, nats_url, nats_prefix, counters, {**runs, **after}, crashes=5
    )
