"""Soak: a mixed workload for a set duration while random processes are killed
(a worker, the API, NATS, PostgreSQL connections), then the guarantees are
checked and the figures printed.

    .venv/bin/python bench/soak.py --duration 600

PostgreSQL: DURAGRAPH_TEST_DATABASE_URL (a fresh database is created on it and
dropped afterwards) or an embedded one; NATS: an embedded nats-server of the
soak's own, which it stops and starts (never the machine's). All traffic goes
to 127.0.0.1; every loop is bounded by the duration.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "faults")]

from duragraph.infrastructure.embedded.nats import EmbeddedNats  # noqa: E402
from duragraph.infrastructure.embedded.postgres import EmbeddedPostgres  # noqa: E402
from duragraph.infrastructure.postgres.database import migrate  # noqa: E402
from faults_support import (  # noqa: E402
    Processes,
    env_for,
    follow,
    over_executed,
    query,
    reexecuted_after_commit,
    reexecutions,
    relayed,
    replay_ids,
    steps_committed_twice,
    stream_gaps,
    two_active_runs_on_a_thread,
    wait_terminal,
    wrong_final_states,
)
from servers import free_port  # noqa: E402

FAULTS = ("worker", "worker", "api", "nats", "pg_connections")


@dataclass
class Soak:
    procs: Processes
    nats: EmbeddedNats
    database_url: str
    rng: random.Random
    accepted: dict[str, str] = field(default_factory=dict)
    kills: list[tuple[str, float, list[tuple[str, int]]]] = field(default_factory=list)
    followed: list[tuple[list[int], str, str]] = field(default_factory=list)
    followers: set[asyncio.Task] = field(default_factory=set)  # kept: see asyncio.create_task
    refused: int = 0


async def _client(soak: Soak, stop: asyncio.Event) -> None:
    async with httpx.AsyncClient(base_url=soak.procs.url, timeout=30.0) as http:
        while not stop.is_set():
            thread_id = str(uuid.uuid4())
            try:
                response = await http.post(
                    f"/threads/{thread_id}/runs",
                    json={
                        "assistant_id": "steps",
                        "if_not_exists": "create",
                        "input": {"delay": soak.rng.uniform(0.05, 0.6)},
                        "durability": soak.rng.choice(["sync", "async"]),
                    },
                )
            except httpx.TransportError:
                response = None
            if response is not None and response.status_code == 200:
                run_id = response.json()["run_id"]
                soak.accepted[run_id] = thread_id
                if soak.rng.random() < 0.05:  # a client following the stream
                    soak.followers.add(asyncio.create_task(_follow(soak, thread_id, run_id)))
            else:
                soak.refused += 1
            await asyncio.sleep(soak.rng.uniform(0.05, 0.3))


async def _follow(soak: Soak, thread_id: str, run_id: str) -> None:
    try:
        seen = await follow(soak.procs.url, thread_id, run_id, timeout=600)
        soak.followed.append((seen.ids, thread_id, run_id))
    except AssertionError:
        soak.followed.append(([-1], thread_id, run_id))


async def _inject(soak: Soak, kind: str) -> None:
    at, orphans = time.time(), []
    if kind == "worker":
        victim = soak.rng.choice(soak.procs.alive_workers())
        orphans = [
            (r[0], r[1])
            for r in await query(
                soak.database_url,
                "SELECT run_id, epoch FROM leases WHERE worker_id LIKE %s",
                (f"%-{victim.pid}-%",),
            )
        ]
        at = soak.procs.kill(victim)
        soak.procs.workers.remove(victim)
        await asyncio.to_thread(soak.procs.start_worker)
    elif kind == "api":
        soak.procs.kill_api()
        await asyncio.to_thread(soak.procs.restart_api)
    elif kind == "nats":
        await asyncio.to_thread(soak.nats.stop)
        await asyncio.sleep(soak.rng.uniform(2, 10))
        await asyncio.to_thread(soak.nats.start)
    else:
        await query(
            soak.database_url,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
            "datname = current_database() AND pid <> pg_backend_pid()",
        )
    soak.kills.append((kind, at, orphans))


async def _chaos(soak: Soak, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), soak.rng.uniform(3, 12))
        except TimeoutError:
            await _inject(soak, soak.rng.choice(FAULTS))


async def _first_step_after(
    database_url: str, at: float, orphans: list[tuple[str, int]]
) -> float | None:
    """Seconds from a kill to the first step committed after it: by one of the
    killed worker's runs under a newer epoch, or (no run was in flight there,
    or another process was killed) by any run."""
    if orphans:
        rows = await query(
            database_url,
            "SELECT min(extract(epoch FROM e.recorded_at)::float8) FROM events e "
            "JOIN unnest(%s::text[], %s::int[]) AS o(run_id, epoch) "
            "ON e.data->>'run_id' = o.run_id AND (e.data->>'epoch')::int > o.epoch "
            "WHERE e.type IN ('run.step_completed', 'run.succeeded')",
            ([r for r, _ in orphans], [e for _, e in orphans]),
        )
    else:
        rows = await query(
            database_url,
            "SELECT min(extract(epoch FROM recorded_at)::float8) FROM events "
            "WHERE type = 'run.step_completed' AND recorded_at > to_timestamp(%s)",
            (at,),
        )
    return rows[0][0] - at if rows[0][0] is not None else None


def _p(values: list[float], q: float) -> str:
    if not values:
        return "-"
    return (
        f"{statistics.quantiles(values, n=100, method='inclusive')[q - 1]:.2f}s"
        if len(values) > 1
        else f"{values[0]:.2f}s"
    )


async def _report(soak: Soak, counters: Path, prefix: str, nats_url: str) -> bool:
    runs = soak.accepted
    statuses = await wait_terminal(soak.database_url, list(runs), timeout=300)
    relay = await relayed(soak.database_url, nats_url, prefix, timeout=120)
    sse_dupes = sse_gaps = 0
    for ids, thread_id, run_id in soak.followed:
        full = await replay_ids(soak.procs.url, thread_id, run_id)
        sse_dupes += len(ids) - len(set(ids))
        sse_gaps += len(set(full) - set(ids)) + (ids != sorted(ids))
    gaps = await stream_gaps(soak.database_url)
    committed = [r[0] for r in await query(soak.database_url, "SELECT run_id FROM runs")]
    unacknowledged = set(committed) - set(runs)
    finished_too = await wait_terminal(soak.database_url, list(unacknowledged), timeout=120)
    resumed: dict[str, list[float]] = {kind: [] for kind, _, _ in soak.kills}
    for kind, at, orphans in soak.kills:
        delta = await _first_step_after(soak.database_url, at, orphans)
        if delta is not None:
            resumed[kind].append(delta)
    every = [d for ds in resumed.values() for d in ds]
    wrong = await wrong_final_states(soak.database_url, list(runs))
    twice = await steps_committed_twice(soak.database_url)
    after_commit = await reexecuted_after_commit(soak.database_url, counters)
    two_active = await two_active_runs_on_a_thread(soak.database_url)
    over = over_executed(counters, list(runs.values()), crashes=len(soak.kills))
    print(
        f"runs accepted            {len(runs)}  "
        f"(refused or unanswered during faults: {soak.refused})"
    )
    print(
        f"runs finished            {sum(s == 'success' for s in statuses.values())}  "
        f"(committed but unanswered: {len(unacknowledged)}, finished: "
        f"{sum(s == 'success' for s in finished_too.values())})"
    )
    kinds = ", ".join(
        f"{k}: {sum(1 for x, _, _ in soak.kills if x == k)}" for k in sorted(set(FAULTS))
    )
    print(f"crashes injected         {len(soak.kills)}  ({kinds})")
    print(
        f"steps re-executed        {reexecutions(counters, list(runs.values()))}  "
        f"(after their commit: {len(after_commit)})"
    )
    print(f"events lost              {len(relay.lost)}")
    print(
        f"duplicates delivered     {relay.duplicates + sse_dupes}  "
        f"(JetStream: {relay.duplicates}, SSE: {sse_dupes}, "
        f"streams followed: {len(soak.followed)})"
    )
    print(
        f"stream gaps              {len(gaps) + sse_gaps}  "
        f"(event streams: {len(gaps)}, SSE: {sse_gaps})"
    )
    print(f"kill -> first step       p50 {_p(every, 50)}, max {max(every, default=0):.2f}s")
    for kind, ds in sorted(resumed.items()):
        print(f"  after {kind:<16} p50 {_p(ds, 50)}, max {max(ds, default=0):.2f}s ({len(ds)})")
    problems = {
        "wrong final states": len(wrong),
        "steps committed twice": len(twice),
        "executed after commit": len(after_commit),
        "two active runs": len(two_active),
        "over-executed nodes": len(over),
    }
    print("invariants               " + ", ".join(f"{k}: {v}" for k, v in problems.items()))
    return not (
        any(problems.values()) or relay.lost or relay.duplicates or sse_dupes or sse_gaps or gaps
    )


async def soak(duration: float, seed: int, workers: int, clients: int, lease: float) -> bool:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="dg-soak-") as folder:
        base = Path(folder)
        pg = None
        server_url = os.environ.get("DURAGRAPH_TEST_DATABASE_URL")
        if not server_url:
            pg = EmbeddedPostgres(base / "pg")
            server_url = pg.start()
        name = f"dg_soak_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        info = psycopg.conninfo.conninfo_to_dict(server_url)
        database_url = psycopg.conninfo.make_conninfo(**{**info, "dbname": name})
        await migrate(database_url)
        nats = EmbeddedNats(base / "nats", port=free_port())
        nats_url = nats.start()
        counters = base / "counters"
        counters.mkdir()
        procs = Processes(env_for(database_url, nats_url, "soak", counters, lease=lease))
        try:
            procs.start_api()
            for _ in range(workers):
                procs.start_worker()
            state = Soak(procs, nats, database_url, rng)
            stop = asyncio.Event()
            tasks = [asyncio.create_task(_client(state, stop)) for _ in range(clients)]
            tasks.append(asyncio.create_task(_chaos(state, stop)))
            await asyncio.sleep(duration)
            stop.set()
            await asyncio.gather(*tasks)
            if nats.url is None:
                nats.start()
            return await _report(state, counters, "soak", nats_url)
        finally:
            procs.close()
            nats.stop()
            with psycopg.connect(server_url, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            if pg is not None:
                pg.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=600.0, help="seconds of load")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--lease", type=float, default=2.0, help="DURAGRAPH_LEASE_SECONDS")
    args = parser.parse_args()
    signal.signal(signal.SIGINT, signal.default_int_handler)
    ok = asyncio.run(soak(args.duration, args.seed, args.workers, args.clients, args.lease))
    print("PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
