"""Executors die, leases lapse, runs are cancelled: real `serve` and `worker`
processes on a real PostgreSQL and NATS, killed with SIGKILL."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import psycopg
from langgraph_sdk import get_client

from servers import TEST_LEASE_SECONDS as LEASE_SECONDS
from servers import Cluster


def executions(counters: Path, thread_id: str, node: str) -> int:
    path = counters / f"{thread_id}.{node}"
    return len(path.read_text().splitlines()) if path.exists() else 0


async def committed_steps(database_url: str, run_id: str) -> list[list[str]]:
    async with await psycopg.AsyncConnection.connect(database_url) as conn:
        cur = await conn.execute(
            "SELECT data->'nodes' FROM events WHERE type='run.step_completed' "
            "AND data->>'run_id'=%s ORDER BY position",
            (run_id,),
        )
        return [row[0] for row in await cur.fetchall()]


async def epochs(database_url: str, run_id: str) -> list[int]:
    async with await psycopg.AsyncConnection.connect(database_url) as conn:
        cur = await conn.execute(
            "SELECT (data->>'epoch')::int FROM events WHERE type='run.started' "
            "AND data->>'run_id'=%s ORDER BY position",
            (run_id,),
        )
        return [row[0] for row in await cur.fetchall()]


async def until(predicate, timeout: float = 20.0, every: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not await predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(every)


async def test_a_killed_workers_run_resumes_elsewhere_from_its_last_committed_step(
    cluster: Cluster, counters: Path, database_url: str
):
    client = get_client(url=cluster.url)
    doomed = cluster.start_worker()
    thread = await client.threads.create()
    run = await client.runs.create(
        thread["thread_id"], "steps", input={"delay": 1.5}, durability="sync"
    )

    async def one_committed() -> bool:
        return ["one"] in await committed_steps(database_url, run["run_id"])

    await until(one_committed)
    await until(lambda: asyncio.sleep(0, executions(counters, thread["thread_id"], "two") == 1))
    doomed.send_signal(signal.SIGKILL)
    doomed.wait()

    cluster.start_worker()
    result = await client.runs.join(thread["thread_id"], run["run_id"])

    assert result["steps"] == ["one", "two", "three"]
    tid = thread["thread_id"]
    assert executions(counters, tid, "one") == 1  # committed: never again
    assert executions(counters, tid, "two") == 2  # in flight at the crash: once more
    assert executions(counters, tid, "three") == 1
    assert await epochs(database_url, run["run_id"]) == [1, 2]
    assert (await client.runs.get(tid, run["run_id"]))["status"] == "success"


async def test_a_node_outliving_its_lease_runs_once_while_its_worker_lives(
    cluster: Cluster, database_url: str
):
    client = get_client(url=cluster.url)
    cluster.start_worker()
    cluster.start_worker()  # a second worker that must not take the run over
    thread = await client.threads.create()
    # The node takes over 3x the lease; its owner keeps renewing it.
    result = await client.runs.wait(
        thread["thread_id"], "slow", input={"sleep": 3 * LEASE_SECONDS + 0.5}
    )
    assert result["done"] is True
    runs = await client.runs.list(thread["thread_id"])
    assert await epochs(database_url, runs[0]["run_id"]) == [1]


async def test_cancellation_reaches_a_running_run_within_a_second(cluster: Cluster):
    client = get_client(url=cluster.url)
    cluster.start_worker()
    thread = await client.threads.create()
    run = await client.runs.create(thread["thread_id"], "slow", input={"sleep": 30})

    async def running() -> bool:
        return (await client.runs.get(thread["thread_id"], run["run_id"]))["status"] == "running"

    await until(running)
    started = time.monotonic()
    await client.runs.cancel(thread["thread_id"], run["run_id"], wait=True)
    assert time.monotonic() - started < 1.0
    final = await client.runs.get(thread["thread_id"], run["run_id"])
    assert final["status"] == "interrupted"
    state = await client.threads.get_state(thread["thread_id"])
    assert not state["values"].get("done")


async def test_a_run_whose_dispatch_message_was_lost_is_still_picked_up(
    cluster: Cluster, nats_url: str, nats_prefix: str, database_url: str
):
    import nats

    client = get_client(url=cluster.url)
    thread = await client.threads.create()
    run = await client.runs.create(thread["thread_id"], "echo", input={"messages": []})
    # As if the relay had published run.created and NATS lost it before fsync:
    # the outbox says sent, and NATS holds nothing.
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        await conn.execute("UPDATE outbox SET sent_at = now()")
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    stream = f"{nats_prefix.upper()}_EVENTS"
    try:
        await js.purge_stream(stream)
    except Exception:
        pass  # the stream may not exist yet: nothing was ever published
    await nc.close()
    cluster.start_worker()
    result = await asyncio.wait_for(client.runs.join(thread["thread_id"], run["run_id"]), 30)
    assert result == {"messages": []}
