"""Durability cost per super-step, in-process, on an embedded PostgreSQL.

    python bench/bench_durability.py                  # N=20 nodes, K=50 runs per mode
    python bench/bench_durability.py --nodes 10 --runs 100

A graph of N sequential trivial (async) nodes runs K times with no
checkpointer, and K times with DuraGraph's run-bound checkpointer
(`EventStoreCheckpointer(PostgresEventStore(pool)).for_run(run_id, epoch,
thread_id)`) for each durability mode: "sync" (each checkpoint commits before
the next step), "async" (it commits while the next step runs) and "exit"
(only the final checkpoint). What async and exit leave uncommitted when the
graph returns is committed right after it, fenced, as the executor commits
it with the run's outcome (async is the server's default). Every run gets a
fresh thread and a run created and started through the Thread aggregate (as
the executor does), outside the clock; `graph.ainvoke` and that last commit
are timed. The modes are interleaved run by run so that machine noise hits
them alike. It all runs as `duragraph dev`, `serve` and `worker` run (uvloop,
their garbage-collector thresholds: `duragraph.cli.run`).

A run of N nodes writes N+2 checkpoints (the input, `__start__`, one per
node); "per super-step" below divides by N+2.

Database round trips are counted in a separate pass (tracing costs time):
every connection of the checkpointer's pool writes a libpq protocol trace,
and we count, per run, the times the client sent messages and then read the
server's answers (a round trip: an F->B turn in the trace), the Sync and
simple Query messages, the statements executed, and the pool's connection
checks (an empty query per checkout). Transactions are counted server-side
as the delta of pg_stat_database.xact_commit for the benchmark database.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypedDict

import psycopg
from langgraph.graph import START, StateGraph
from psycopg_pool import AsyncConnectionPool

from duragraph.cli import run as serve_like_duragraph
from duragraph.domain.thread import Thread
from duragraph.infrastructure.embedded.postgres import EmbeddedPostgres
from duragraph.infrastructure.postgres.checkpoints.checkpointer import EventStoreCheckpointer
from duragraph.infrastructure.postgres.database import migrate, open_pool
from duragraph.infrastructure.postgres.event_store import PostgresEventStore

MODES = ("sync", "async", "exit")
TARGET_MS_PER_STEP = 1.0
NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
DATABASE = "duragraph_bench"


class State(TypedDict):
    count: int


def chain(nodes: int) -> StateGraph:
    async def bump(state: State) -> dict[str, int]:
        return {"count": state["count"] + 1}

    builder = StateGraph(State)
    previous = START
    for i in range(nodes):
        builder.add_node(f"n{i}", bump)
        builder.add_edge(previous, f"n{i}")
        previous = f"n{i}"
    return builder


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--nodes", type=int, default=20, help="N: sequential nodes in the graph")
    p.add_argument("--runs", type=int, default=50, help="K: timed runs per mode")
    p.add_argument("--warmup", type=int, default=5, help="untimed runs per mode first")
    p.add_argument("--count-runs", type=int, default=5, help="runs per mode in the counting pass")
    return p.parse_args()


# -- runs started through the domain ------------------------------------------------------


@dataclass
class StartedRun:
    thread_id: str
    run_id: str
    epoch: int

    @property
    def config(self) -> dict[str, Any]:
        return {"configurable": {"thread_id": self.thread_id}}


async def start_run(store: PostgresEventStore) -> StartedRun:
    thread = Thread(str(uuid.uuid4()))
    thread.create(metadata={}, now=NOW)
    run_id = str(uuid.uuid4())
    thread.create_run(
        run_id=run_id,
        assistant_id="bench",
        graph_id="chain",
        kwargs={},
        metadata={},
        strategy="reject",
        temporary=False,
        now=NOW,
    )
    epoch = thread.start_run(run_id, worker_id="bench", lease_lapsed=False, now=NOW)
    await store.save(thread)
    return StartedRun(thread.id, run_id, epoch)


async def commit_rest(view: Any, store: PostgresEventStore) -> None:
    """What is not committed when the graph returns (with async and exit
    durability: the last steps) is taken at once and committed, fenced, as
    the executor commits it with the run's outcome; no waiting for the
    view's background commit."""
    await store.append(await view.take_pending(), fence=view.fence)


NO_FSYNC = "sync*"  # "sync" on connections with synchronous_commit=off


async def invoke(
    builder: StateGraph, mode: str, setup: PostgresEventStore, store: PostgresEventStore, nodes: int
) -> tuple[float, float]:
    """Wall and CPU (this process) seconds in ainvoke for one run in `mode`
    ("none": no checkpointer)."""
    if mode == "none":
        graph, config, kwargs = builder.compile(), {}, {}
    else:
        run = await start_run(setup)
        durability = "sync" if mode == NO_FSYNC else mode
        view = EventStoreCheckpointer(store).for_run(
            run.run_id, run.epoch, run.thread_id, durability=durability
        )
        graph, config, kwargs = (
            builder.compile(checkpointer=view),
            run.config,
            {"durability": durability},
        )
    started, cpu = time.perf_counter(), time.process_time()
    result = await graph.ainvoke({"count": 0}, config, **kwargs)
    if mode != "none":
        await commit_rest(view, store)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if result["count"] != nodes:
        raise RuntimeError(f"{mode}: the graph counted {result['count']}, not {nodes}")
    return elapsed, cpu


@dataclass
class Timings:
    wall_ms: dict[str, list[float]]
    cpu_ms: dict[str, list[float]]


async def timed_pass(
    pool: AsyncConnectionPool, no_fsync: AsyncConnectionPool, args: argparse.Namespace
) -> Timings:
    store, builder = PostgresEventStore(pool), chain(args.nodes)
    stores = {NO_FSYNC: PostgresEventStore(no_fsync)}
    modes = ("none", *MODES, NO_FSYNC)
    timings = Timings({m: [] for m in modes}, {m: [] for m in modes})
    for i in range(args.warmup + args.runs):
        for mode in modes:
            wall, cpu = await invoke(builder, mode, store, stores.get(mode, store), args.nodes)
            if i >= args.warmup:
                timings.wall_ms[mode].append(wall * 1000)
                timings.cpu_ms[mode].append(cpu * 1000)
    return timings


# -- counting round trips ---------------------------------------------------------------


@dataclass
class TraceCounts:
    round_trips: int = 0
    syncs: int = 0
    simple_queries: int = 0
    statements: int = 0
    pool_checks: int = 0

    def add(self, lines: list[str]) -> None:
        previous = ""
        for line in lines:
            parts = line.split("\t")
            if len(parts) < 3:
                continue
            direction, message = parts[0], parts[2]
            if direction == "B" and previous == "F":
                self.round_trips += 1
            previous = direction
            if direction == "B":
                self.pool_checks += message == "EmptyQueryResponse"
                continue
            self.syncs += message == "Sync"
            self.statements += message == "Execute"
            if message == "Query":
                self.simple_queries += 1
                self.statements += 1


class TracedPool:
    """A pool configured like open_pool(), whose connections write a libpq
    protocol trace each to its own file, flushed whenever the connection goes
    back to the pool (untrace flushes libpq's FILE buffer)."""

    def __init__(self, url: str, folder: Path) -> None:
        self.folder, self._files = folder, {}
        self.pool = AsyncConnectionPool(
            url,
            min_size=2,
            max_size=20,
            open=False,
            kwargs={"autocommit": True},
            configure=self._trace,
            reset=self._flush,
        )

    async def _trace(self, conn: psycopg.AsyncConnection) -> None:
        handle = (self.folder / f"conn-{len(self._files)}.trace").open("w")
        self._files[id(conn)] = handle
        conn.pgconn.trace(handle.fileno())
        conn.pgconn.set_trace_flags(psycopg.pq.Trace.SUPPRESS_TIMESTAMPS)

    async def _flush(self, conn: psycopg.AsyncConnection) -> None:
        conn.pgconn.untrace()
        conn.pgconn.trace(self._files[id(conn)].fileno())
        conn.pgconn.set_trace_flags(psycopg.pq.Trace.SUPPRESS_TIMESTAMPS)

    def sizes(self) -> dict[Path, int]:
        return {p: p.stat().st_size for p in self.folder.glob("conn-*.trace")}

    def counts_since(self, sizes: dict[Path, int]) -> TraceCounts:
        counts = TraceCounts()
        for path in self.folder.glob("conn-*.trace"):
            with path.open() as f:
                f.seek(sizes.get(path, 0))
                counts.add(f.read().splitlines())
        return counts


async def xact_commits(url: str) -> int:
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        cur = await conn.execute(
            "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
        )
        return (await cur.fetchone())[0]


async def settled_xact_commits(url: str) -> int:
    # A backend's statistics reach pg_stat_database when it exits; give the
    # backends we just closed a moment to get there.
    await asyncio.sleep(1.0)
    return await xact_commits(url)


@dataclass
class Counted:
    trace: TraceCounts = field(default_factory=TraceCounts)
    transactions: int = 0
    runs: int = 0


async def count_mode(
    url: str, setup: PostgresEventStore, mode: str, args: argparse.Namespace, baseline: int
) -> Counted:
    """Trace `count_runs` runs of `mode` on a fresh traced pool; closing it
    makes its backends flush their transaction counts."""
    runs = [await start_run(setup) for _ in range(args.count_runs)]
    builder = chain(args.nodes)
    with tempfile.TemporaryDirectory(prefix="dg-trace-") as folder:
        traced = TracedPool(url, Path(folder))
        before = await settled_xact_commits(url)
        await traced.pool.open(wait=True)
        sizes = traced.sizes()
        store = PostgresEventStore(traced.pool)
        for run in runs:
            view = EventStoreCheckpointer(store).for_run(
                run.run_id, run.epoch, run.thread_id, durability=mode
            )
            await builder.compile(checkpointer=view).ainvoke(
                {"count": 0}, run.config, durability=mode
            )
            await commit_rest(view, store)
        await traced.pool.close()
        counted = Counted(traced.counts_since(sizes), runs=len(runs))
        counted.transactions = await settled_xact_commits(url) - before - baseline
    return counted


async def idle_overhead(url: str) -> int:
    """Transactions counted for opening and closing an unused traced pool,
    plus our own reading of the statistics: subtracted from each mode."""
    with tempfile.TemporaryDirectory(prefix="dg-trace-") as folder:
        before = await settled_xact_commits(url)
        traced = TracedPool(url, Path(folder))
        await traced.pool.open(wait=True)
        await traced.pool.close()
        return await settled_xact_commits(url) - before


async def counting_pass(
    url: str, setup: PostgresEventStore, args: argparse.Namespace
) -> dict[str, Counted]:
    baseline = await idle_overhead(url)
    return {mode: await count_mode(url, setup, mode, args, baseline) for mode in MODES}


# -- report -----------------------------------------------------------------------------


def report(timings: Timings, counted: dict[str, Counted], args: argparse.Namespace) -> None:
    steps = args.nodes + 2
    base = statistics.median(timings.wall_ms["none"])
    base_cpu = statistics.median(timings.cpu_ms["none"])
    print(
        f"\n== durability cost: {args.nodes} sequential nodes ({steps} checkpoints = super-steps "
        f"incl. input and __start__), {args.runs} timed runs per mode, interleaved =="
    )
    print(
        f"{'mode':10} {'run p50 ms':>11} {'run p90 ms':>11} {'added ms/step':>14} "
        f"{'added CPU ms/step':>18}  target"
    )
    for mode, values in timings.wall_ms.items():
        p50, p90 = statistics.median(values), _p90(values)
        if mode == "none":
            print(f"{mode:10} {p50:11.2f} {p90:11.2f} {'-':>14} {'-':>18}")
            continue
        added = (p50 - base) / steps
        added_cpu = (statistics.median(timings.cpu_ms[mode]) - base_cpu) / steps
        verdict = "PASS" if added <= TARGET_MS_PER_STEP else "MISS"
        note = f"<= {TARGET_MS_PER_STEP:g} ms  {verdict}"
        print(f"{mode:10} {p50:11.2f} {p90:11.2f} {added:14.3f} {added_cpu:18.3f}  {note}")
    print(
        "added ms/step = (median run with checkpointer - median run without) / super-steps;\n"
        "added CPU ms/step: the same with this process's CPU time (serialisation, event\n"
        "building, psycopg, LangGraph's checkpoint bookkeeping), the rest is waiting on\n"
        f"PostgreSQL. {NO_FSYNC} = sync on connections with synchronous_commit=off (no wait\n"
        "for the WAL flush): sync minus sync* is the commit's fsync wait."
    )
    _report_counts(counted, steps)


def _p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10, method="inclusive")[8]


def _report_counts(counted: dict[str, Counted], steps: int) -> None:
    print(
        "\n== database work per super-step (libpq trace of the checkpointer's pool; "
        "per run / per super-step) =="
    )
    print(
        f"{'mode':10} {'round trips':>16} {'Sync+Query msgs':>16} {'statements':>16} "
        f"{'pool checks':>16} {'transactions':>16}"
    )
    for mode, c in counted.items():
        t = c.trace
        cells = [
            t.round_trips,
            t.syncs + t.simple_queries,
            t.statements,
            t.pool_checks,
            c.transactions,
        ]
        print(
            f"{mode:10} "
            + " ".join(f"{v / c.runs:7.1f} /{v / c.runs / steps:6.2f}  " for v in cells)
        )
    print(
        "round trips: times a connection sent messages and then read the server's reply "
        "(F->B turns in the trace); statements: Execute + simple Query messages "
        "(incl. BEGIN/COMMIT and the pool's empty check query); pool checks: the empty query "
        "psycopg_pool's check_connection runs on every checkout; transactions: "
        "pg_stat_database.xact_commit delta (server side, includes implicit single-statement "
        "transactions such as the pool checks)."
    )


async def run(url: str, args: argparse.Namespace) -> None:
    await migrate(url)
    pool = await open_pool(url, min_size=2, max_size=20)
    try:
        print(f"timed pass: {args.warmup} warm-up + {args.runs} runs per mode ...", flush=True)
        no_fsync = await _no_fsync_pool(url)
        try:
            timings = await timed_pass(pool, no_fsync, args)
        finally:
            await no_fsync.close()
        print(f"counting pass: {args.count_runs} runs per mode ...", flush=True)
        counted = await counting_pass(url, PostgresEventStore(pool), args)
    finally:
        await pool.close()
    report(timings, counted, args)


async def _no_fsync_pool(url: str) -> AsyncConnectionPool:
    pool = AsyncConnectionPool(
        url,
        min_size=2,
        max_size=20,
        open=False,
        kwargs={"autocommit": True, "options": "-c synchronous_commit=off"},
    )
    await pool.open(wait=True, timeout=30)
    return pool


def _database_url(server_url: str) -> str:
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {DATABASE}")
    info = psycopg.conninfo.conninfo_to_dict(server_url)
    return psycopg.conninfo.make_conninfo(**{**info, "dbname": DATABASE})


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="dg-bench-pg-") as folder:
        server = EmbeddedPostgres(Path(folder) / "pgdata")
        print("starting embedded PostgreSQL ...", flush=True)
        url = _database_url(server.start())
        try:
            serve_like_duragraph(run(url, args))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
