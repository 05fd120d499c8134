"""200 clients race to start runs on the same few threads with every
multitask strategy: never two active runs on one thread."""

from __future__ import annotations

import asyncio
import random

import httpx

from faults_support import (
    Processes,
    query,
    relayed,
    stream_gaps,
    two_active_runs_on_a_thread,
    wait_terminal,
)

CLIENTS = 200
THREADS = 5
STRATEGIES = ("reject", "enqueue", "interrupt", "rollback")


async def test_200_clients_racing_multitask_strategies_never_get_two_active_runs_on_a_thread(
    procs: Processes, database_url: str, nats_url: str, nats_prefix: str
):
    procs.start_worker(), procs.start_worker()
    rng = random.Random(4)
    async with httpx.AsyncClient(
        base_url=procs.url, timeout=60.0, limits=httpx.Limits(max_connections=CLIENTS)
    ) as http:
        threads = [
            (await http.post("/threads", json={})).json()["thread_id"] for _ in range(THREADS)
        ]

        async def client() -> int:
            response = await http.post(
                f"/threads/{rng.choice(threads)}/runs",
                json={
                    "assistant_id": "slow",
                    "input": {"sleep": 0.2},
                    "multitask_strategy": rng.choice(STRATEGIES),
                },
            )
            return response.status_code

        codes = await asyncio.gather(*(client() for _ in range(CLIENTS)))
    assert set(codes) <= {200, 409}, codes
    assert codes.count(200) >= THREADS

    run_ids = [r[0] for r in await query(database_url, "SELECT run_id FROM runs")]
    await wait_terminal(database_url, run_ids, timeout=180)
    assert await two_active_runs_on_a_thread(database_url) == []
    assert await stream_gaps(database_url) == []
    relay = await relayed(database_url, nats_url, nats_prefix)
    assert (len(relay.lost), relay.duplicates) == (0, 0)
