"""Workers die (SIGKILL), freeze (SIGSTOP) or are stopped (SIGTERM) while
they run many multi-step runs: nothing accepted is lost, no committed step
runs again, and a frozen worker's late writes are refused by the epoch fence."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import httpx
import pytest
from langgraph_sdk import get_client

from faults_support import (
    Processes,
    assert_invariants,
    create_steps_runs,
    env_for,
    executions,
    follow,
    late_fenced_writes,
    query,
    replay_ids,
    time_bound,
    until,
    wait_terminal,
)
from servers import GRAPHS
from servers import TEST_LEASE_SECONDS as LEASE


@pytest.fixture
def auth_procs(database_url: str, nats_url: str, nats_prefix: str, counters: Path):
    """`serve` with the test app's auth (tests/graphs/auth.py); workers started by the test."""
    cluster = Processes(
        env_for(database_url, nats_url, nats_prefix, counters, lease=LEASE),
        config=GRAPHS.parent / "langgraph.auth.json",
    )
    cluster.start_api()
    yield cluster
    cluster.close()


async def _steps_committed(database_url: str) -> int:
    rows = await query(database_url, "SELECT count(*) FROM events WHERE type='run.step_completed'")
    return rows[0][0]


async def _owned_by(database_url: str, pid: int) -> list[str]:
    rows = await query(
        database_url, "SELECT run_id FROM leases WHERE worker_id LIKE %s", (f"%-{pid}-%",)
    )
    return [r[0] for r in rows]


async def _restarted_at(database_url: str, run_ids: list[str], epoch: int) -> dict[str, float]:
    rows = await query(
        database_url,
        "SELECT data->>'run_id', min(extract(epoch FROM recorded_at)::float8) "
        "FROM events WHERE type='run.started' AND data->>'run_id' = ANY(%s) "
        "AND (data->>'epoch')::int >= %s GROUP BY 1",
        (run_ids, epoch),
    )
    return dict(rows)


async def test_a_worker_killed_among_50_concurrent_runs_loses_none_and_repeats_no_committed_step(
    procs: Processes, counters: Path, database_url: str, nats_url: str, nats_prefix: str
):
    worker = procs.start_worker()
    runs = await create_steps_runs(procs.url, 50, delay=0.5)
    followed_run, followed_thread = next(iter(runs.items()))
    follower = asyncio.create_task(follow(procs.url, followed_thread, followed_run))

    async def mid_flight() -> bool:
        return await _steps_committed(database_url) >= 40

    await until(mid_flight, what="runs in flight")
    procs.kill(worker)
    procs.start_worker()

    await assert_invariants(database_url, nats_url, nats_prefix, counters, runs, crashes=1)
    followed = await follower
    assert followed.ids == sorted(set(followed.ids))  # once each, in order
    assert followed.ids == await replay_ids(procs.url, followed_thread, followed_run)


async def test_the_surviving_worker_takes_a_killed_workers_runs_over_within_the_lease(
    procs: Processes, counters: Path, database_url: str, nats_url: str, nats_prefix: str
):
    doomed, survivor = procs.start_worker(), procs.start_worker()
    runs = await create_steps_runs(procs.url, 20, delay=1.0)

    async def both_busy() -> bool:
        return bool(await _owned_by(database_url, doomed.pid)) and bool(
            await _owned_by(database_url, survivor.pid)
        )

    await until(both_busy, what="both workers running runs")
    orphans = await _owned_by(database_url, doomed.pid)
    killed_at = procs.kill(doomed)

    await assert_invariants(database_url, nats_url, nats_prefix, counters, runs, crashes=1)
    resumed = await _restarted_at(database_url, orphans, 2)
    assert set(resumed) == set(orphans)
    slowest = max(resumed.values()) - killed_at
    assert slowest <= time_bound(LEASE + 2.0), (
        f"took {slowest:.1f}s to resume the killed worker's runs"
    )


async def test_a_frozen_workers_late_writes_are_refused_by_the_epoch_fence(
    procs: Processes, counters: Path, database_url: str, nats_url: str, nats_prefix: str
):
    frozen, other = procs.start_worker(), procs.start_worker()
    runs = await create_steps_runs(procs.url, 16, delay=1.0, durability="sync")

    async def both_busy() -> bool:
        return bool(await _owned_by(database_url, frozen.pid)) and bool(
            await _owned_by(database_url, other.pid)
        )

    await until(both_busy, what="both workers running runs")
    taken = await _owned_by(database_url, frozen.pid)
    frozen.send_signal(signal.SIGSTOP)
    try:

        async def taken_over() -> bool:
            return len(await _restarted_at(database_url, taken, 2)) == len(taken)

        await until(taken_over, what="the frozen worker's runs taken over")
        mark = (await query(database_url, "SELECT max(position) FROM events"))[0][0]
    finally:
        frozen.send_signal(signal.SIGCONT)
    await wait_terminal(database_url, list(runs))
    await asyncio.sleep(LEASE)  # time for the thawed worker to try its late writes
    assert await late_fenced_writes(database_url, taken, 1, mark) == []
    await assert_invariants(database_url, nats_url, nats_prefix, counters, runs, crashes=1)


async def test_a_frozen_workers_late_store_write_is_refused_and_the_new_owners_lands(
    procs: Processes, database_url: str
):
    frozen = procs.start_worker()
    async with httpx.AsyncClient(base_url=procs.url, timeout=60) as http:
        thread_id = (await http.post("/threads", json={})).json()["thread_id"]
        run_id = (
            await http.post(
                f"/threads/{thread_id}/runs",
                json={"assistant_id": "late_store", "input": {"sleep": 3 * LEASE}},
            )
        ).json()["run_id"]

        async def claimed() -> bool:
            return run_id in await _owned_by(database_url, frozen.pid)

        await until(claimed, what="the run claimed")
        await asyncio.sleep(LEASE)  # its node is working, its store put still to come
        frozen.send_signal(signal.SIGSTOP)
        try:
            other = procs.start_worker()
            await wait_terminal(database_url, [run_id])
        finally:
            frozen.send_signal(signal.SIGCONT)
        await asyncio.sleep(LEASE)  # the thawed node puts now: refused by the fence
        item = await http.get(
            "/store/items", params={"namespace": f"late.{thread_id}", "key": "writer"}
        )
    assert item.json()["value"] == {"pid": other.pid}
    assert await _restarted_at(database_url, [run_id], 2)
    puts = await query(
        database_url,
        "SELECT count(*) FROM events WHERE type='store.item_put' "
        "AND data->>'key' = 'writer' AND data->'namespace'->>1 = %s",
        (thread_id,),
    )
    assert puts == [(1,)]


async def test_a_node_running_three_times_the_lease_on_a_live_worker_runs_exactly_once(
    procs: Processes, counters: Path, database_url: str, nats_url: str, nats_prefix: str
):
    procs.start_worker(), procs.start_worker()
    runs = await create_steps_runs(procs.url, 3, delay=3 * LEASE)
    await assert_invariants(database_url, nats_url, nats_prefix, counters, runs, crashes=0)
    for thread_id in runs.values():
        assert [len(executions(counters, thread_id, n)) for n in ("one", "two", "three")] == [
            1,
            1,
            1,
        ]
    epochs = await query(
        database_url, "SELECT DISTINCT (data->>'epoch')::int FROM events WHERE type='run.started'"
    )
    assert epochs == [(1,)]


async def test_sigterm_stops_taking_runs_hands_back_the_rest_and_exits(
    procs: Processes, counters: Path, database_url: str, nats_url: str, nats_prefix: str
):
    leaving = procs.start_worker()
    runs = await create_steps_runs(procs.url, 10, delay=1.5)

    async def busy() -> bool:
        return len(await _owned_by(database_url, leaving.pid)) == 10

    await until(busy, what="the worker running every run")
    stopped = time.monotonic()
    leaving.send_signal(signal.SIGTERM)
    later = await create_steps_runs(procs.url, 5, delay=0.1)
    assert await asyncio.to_thread(leaving.wait, 60) == 0
    assert time.monotonic() - stopped < 2.0 + 10  # the grace period, and the exit itself
    procs.start_worker()
    await assert_invariants(
        database_url, nats_url, nats_prefix, counters, {**runs, **later}, crashes=1
    )
    takers = await query(
        database_url,
        "SELECT DISTINCT data->>'worker_id' FROM events WHERE "
        "type='run.started' AND data->>'run_id' = ANY(%s)",
        (list(later),),
    )
    assert all(f"-{leaving.pid}-" not in w for (w,) in takers)


async def _actors(database_url: str, run_id: str) -> list[tuple[str, int, dict]]:
    return await query(
        database_url,
        "SELECT type, (data->>'epoch')::int, metadata->'actor' FROM events "
        "WHERE data->>'run_id' = %s AND type LIKE 'run.%%' ORDER BY position",
        (run_id,),
    )


async def test_a_run_recovered_from_a_killed_worker_still_acts_for_the_user_who_started_it(
    auth_procs: Processes, database_url: str
):
    worker = auth_procs.start_worker()
    alice = get_client(url=auth_procs.url, headers={"Authorization": "Bearer token-alice"})
    thread = await alice.threads.create()
    run = await alice.runs.create(thread["thread_id"], "slow_whoami", input={"sleep": 3})

    async def started() -> bool:
        return any(t == "run.started" for t, _, _ in await _actors(database_url, run["run_id"]))

    await until(started, what="the run started")
    auth_procs.kill(worker)
    auth_procs.start_worker()

    assert (await wait_terminal(database_url, [run["run_id"]]))[run["run_id"]] == "success"
    seen = (await alice.runs.join(thread["thread_id"], run["run_id"]))["seen"]
    assert seen["user_id"] == "alice" and seen["server_info_identity"] == "alice"
    by = {(t, epoch): actor for t, epoch, actor in await _actors(database_url, run["run_id"])}
    assert by[("run.created", None)] == {"kind": "user", "identity": "alice"}
    assert by[("run.started", 2)] == {"kind": "system", "by": "recovery", "on_behalf_of": "alice"}
    assert by[("run.succeeded", 2)] == {"kind": "system", "by": "executor", "on_behalf_of": "alice"}
