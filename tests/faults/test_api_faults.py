"""The API process is killed (SIGKILL) while clients create runs and follow
streams: no acknowledged run is lost, no unacknowledged one half-exists, and
a client that reconnects with Last-Event-ID sees every event once, in order."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import httpx

from faults_support import (
    Processes,
    assert_invariants,
    create_steps_runs,
    follow,
    query,
    replay_ids,
    until,
)

REQUESTS = 120


async def _create(http: httpx.AsyncClient, acknowledged: dict[str, str]) -> None:
    thread_id = str(uuid.uuid4())  # thread and run are created together
    try:
        response = await http.post(
            f"/threads/{thread_id}/runs",
            json={"assistant_id": "steps", "input": {"delay": 0.2}, "if_not_exists": "create"},
        )
    except httpx.TransportError:
        return  # no answer: the run may or may not exist, but never half
    assert response.status_code == 200, response.text
    acknowledged[response.json()["run_id"]] = thread_id


async def test_killing_the_api_during_run_creation_loses_no_acknowledged_run(
    procs: Processes, counters: Path, database_url: str, nats_url: str, nats_prefix: str
):
    procs.start_worker()
    streamed = await create_steps_runs(procs.url, 1, delay=1.0)
    ((run_id, thread_id),) = streamed.items()
    follower = asyncio.create_task(follow(procs.url, thread_id, run_id))
    acknowledged: dict[str, str] = {}
    async with httpx.AsyncClient(base_url=procs.url, timeout=30.0) as http:
        creating = [asyncio.create_task(_create(http, acknowledged)) for _ in range(REQUESTS)]

        async def some_answered() -> bool:
            return len(acknowledged) >= 10

        await until(some_answered, what="some runs acknowledged")
        procs.kill_api()
        await asyncio.gather(*creating)
    assert len(acknowledged) < REQUESTS  # the kill did land during creation
    procs.restart_api()

    committed = dict(
        await query(
            database_url,
            "SELECT data->>'run_id', data->>'thread_id' FROM events WHERE type='run.created'",
        )
    )
    assert set(acknowledged) <= set(committed)
    # Whatever committed is whole: thread, run and read models, and it runs to its end.
    threads = await query(database_url, "SELECT count(*) FROM threads")
    runs = await query(database_url, "SELECT count(*) FROM runs")
    assert threads[0][0] == runs[0][0] == len(committed)
    await assert_invariants(database_url, nats_url, nats_prefix, counters, committed, crashes=0)
    followed = await follower
    assert followed.reconnects >= 1
    assert followed.ids == sorted(set(followed.ids))
    assert followed.ids == await replay_ids(procs.url, thread_id, run_id)
