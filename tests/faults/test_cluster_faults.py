"""The production topology: a 3-node NATS JetStream cluster with every stream
kept by all three, two `serve` and three `worker` processes on one PostgreSQL.
Under load, one NATS node and one worker are SIGKILLed: every accepted run
finishes once with its right state, every event is in JetStream once, and
SSE clients that hop between the two servers with `Last-Event-ID` see every
frame once."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from duragraph.infrastructure.nats.connection import connect
from duragraph.infrastructure.nats.subjects import events_stream
from faults_support import (
    Followed,
    Processes,
    assert_invariants,
    create_steps_runs,
    env_for,
    follow,
    query,
    replay_ids,
    until,
)
from nats_cluster import NatsCluster
from servers import TEST_LEASE_SECONDS

RUNS_BEFORE, RUNS_AFTER, FOLLOWED = 30, 10, 6


@pytest.fixture
def topology(database_url: str, nats_cluster: NatsCluster, nats_prefix: str, counters: Path):
    """Two APIs (the first also owns the workers), every process given all
    three NATS nodes and 3 replicas; 5 pools of 8 stay well inside the shared
    PostgreSQL's max_connections (100)."""
    env = {
        **env_for(database_url, nats_cluster.url, nats_prefix, counters, lease=TEST_LEASE_SECONDS),
        "DURAGRAPH_NATS_REPLICAS": "3",
        "DURAGRAPH_POOL_SIZE": "8",
    }
    apis = [Processes(env), Processes(env)]
    try:
        yield apis
    finally:
        for api in apis:
            api.close()


async def _start(apis: list[Processes], workers: int) -> None:
    """All five at once, as a deploy starts them (each races to make the streams)."""
    await asyncio.gather(
        *(asyncio.to_thread(api.start_api) for api in apis),
        *(asyncio.to_thread(apis[0].start_worker) for _ in range(workers)),
    )


async def _events_leader(cluster: NatsCluster, prefix: str) -> int:
    """The node leading the events stream: killing it forces an election."""
    nc = await connect(cluster.url, name="faults-check")
    try:
        info = await nc.jetstream().stream_info(events_stream(prefix))
    finally:
        await nc.close()
    assert info.cluster is not None and info.cluster.leader is not None
    return int(info.cluster.leader.removeprefix("n"))


async def _busiest_worker(database_url: str, apis: Processes) -> int:
    """The index of the worker holding the most leases."""
    leases = dict(await query(database_url, "SELECT worker_id, count(*) FROM leases GROUP BY 1"))
    held = [sum(n for w, n in leases.items() if f"-{proc.pid}-" in w) for proc in apis.workers]
    assert max(held) > 0, "no worker running a run"
    return held.index(max(held))


async def _steps_committed(database_url: str) -> int:
    rows = await query(database_url, "SELECT count(*) FROM events WHERE type='run.step_completed'")
    return rows[0][0]


async def test_a_nats_node_and_a_worker_killed_under_load_lose_and_repeat_nothing(
    topology: list[Processes],
    nats_cluster: NatsCluster,
    database_url: str,
    nats_prefix: str,
    counters: Path,
):
    apis = topology
    urls = [api.url for api in apis]
    await _start(apis, workers=3)
    halves = await asyncio.gather(
        *(create_steps_runs(url, RUNS_BEFORE // 2, delay=0.5) for url in urls),
        create_steps_runs(urls[0], FOLLOWED, delay=1.5),  # in flight through the kills
    )
    runs, followed_runs = {**halves[0], **halves[1]}, halves[2]
    followers = {
        run_id: asyncio.create_task(follow(urls, thread_id, run_id, hang_up_after=1))
        for run_id, thread_id in followed_runs.items()
    }

    async def in_flight() -> bool:
        return await _steps_committed(database_url) >= RUNS_BEFORE // 2

    await until(in_flight, what="runs in flight")
    worker = apis[0].workers[await _busiest_worker(database_url, apis[0])]
    nats_cluster.kill(await _events_leader(nats_cluster, nats_prefix))
    apis[0].kill(worker)
    after = await create_steps_runs(urls[1], RUNS_AFTER, delay=0.1)

    accepted = {**runs, **followed_runs, **after}
    await assert_invariants(
        database_url, nats_cluster.url, nats_prefix, counters, accepted, crashes=1
    )
    for run_id, thread_id in followed_runs.items():
        followed: Followed = await followers[run_id]
        assert followed.reconnects >= 2, "the client hopped between the servers"
        assert followed.ids == sorted(set(followed.ids))  # once each, in order
        assert followed.ids == await replay_ids(urls[1], thread_id, run_id)
