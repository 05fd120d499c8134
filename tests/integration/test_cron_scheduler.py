"""Schedulers racing on one database fire each tick exactly once: the tick's
`cron.fired` and its run commit together at the cron's version, so the
loser's whole transaction (run, temporary thread and all) is refused."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta, timezone

import psycopg
from langgraph_sdk import get_client

from duragraph.application.commands.assistants import CreateAssistant, create_assistant
from duragraph.application.commands.crons import CreateCron, FiringRefused, create_cron
from duragraph.application.commands.runs import CreateRun, create_run
from duragraph.application.commands.threads import CreateThread, create_thread
from duragraph.domain.errors import ConcurrencyConflict
from duragraph.infrastructure.background.cron_scheduler import CronScheduler
from duragraph.infrastructure.nats.run_streams import RunStreams
from duragraph.infrastructure.postgres.database import PostgresDatabase, open_pool
from duragraph.infrastructure.postgres.event_store import PostgresEventStore

START = datetime(2026, 3, 1, 12, 0, 0, 500000, tzinfo=timezone.utc)


class SteppingClock:
    """Test time: moved by the test, shared by both schedulers."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


class CountingStore(PostgresEventStore):
    """Counts the appends refused as stale: proof the schedulers did race."""

    conflicts = 0

    async def append(self, *args, **kwargs) -> None:
        try:
            await super().append(*args, **kwargs)
        except ConcurrencyConflict:
            CountingStore.conflicts += 1
            raise


class Graphs:
    def has(self, graph_id: str) -> bool:
        return graph_id == "echo"

    def ids(self) -> list[str]:
        return ["echo"]


async def _setup(store: PostgresEventStore, clock: SteppingClock) -> list[str]:
    graphs = Graphs()
    assistant_id = await create_assistant(CreateAssistant(graph_id="echo"), store, clock, graphs)
    crons = []
    for i in range(6):
        thread_id = None
        if i % 2:
            thread_id = (await create_thread(CreateThread(), store, clock)).thread_id
        crons.append(
            await create_cron(
                CreateCron(
                    assistant_id=assistant_id,
                    schedule="* * * * * *",
                    thread_id=thread_id,
                    payload={"input": {"value": i}},
                    on_run_completed="keep",
                ),
                store,
                clock,
                graphs,
            )
        )
    return crons


async def test_two_schedulers_racing_on_one_database_fire_each_tick_exactly_once(
    database_url: str,
) -> None:
    clock = SteppingClock(START)
    pools = [await open_pool(database_url, min_size=1, max_size=4) for _ in range(2)]
    try:
        stores = [CountingStore(p) for p in pools]
        crons = await _setup(stores[0], clock)
        schedulers = [
            CronScheduler(store, PostgresDatabase(p), clock, Graphs())
            for store, p in zip(stores, pools, strict=True)
        ]
        ticks = 5
        won = [0, 0]
        for _ in range(ticks):
            clock.at += timedelta(seconds=1)
            results = await asyncio.gather(*(s.sweep() for s in schedulers * 2))
            for i, fired in enumerate(results):
                won[i % 2] += len(fired)
                assert all(t.error is None for t in fired)
        assert sum(won) == ticks * len(crons)
        assert CountingStore.conflicts > 0  # the losers' transactions were refused

        db = PostgresDatabase(pools[0])
        fired = await db.fetch(
            "SELECT data->>'cron_id' AS cron_id, data->>'tick' AS tick, data->>'run_id' AS run_id "
            "FROM events WHERE type = 'cron.fired'"
        )
        runs = await db.fetch("SELECT run_id, metadata->>'cron_id' AS cron_id FROM runs")
        for cron_id in crons:
            its_ticks = [f["tick"] for f in fired if f["cron_id"] == cron_id]
            assert len(its_ticks) == len(set(its_ticks)) == ticks
            its_runs = {r["run_id"] for r in runs if r["cron_id"] == cron_id}
            assert its_runs == {f["run_id"] for f in fired if f["cron_id"] == cron_id}
        # no orphan: every run and every temporary thread came with a committed tick
        assert len(runs) == ticks * len(crons)
        threads = await db.fetchone("SELECT count(*) AS n FROM threads")
        assert threads["n"] == len(crons) // 2 + ticks * (len(crons) // 2)
    finally:
        for p in pools:
            await p.close()


async def test_ticks_missed_while_no_scheduler_ran_fire_once(database_url: str) -> None:
    clock = SteppingClock(START)
    pool = await open_pool(database_url, min_size=1, max_size=4)
    try:
        store = PostgresEventStore(pool)
        crons = await _setup(store, clock)
        scheduler = CronScheduler(store, PostgresDatabase(pool), clock, Graphs())
        clock.at += timedelta(hours=2)  # 7200 ticks missed
        assert len(await scheduler.sweep()) == len(crons)
        assert await scheduler.sweep() == []
        clock.at += timedelta(seconds=1)
        assert len(await scheduler.sweep()) == len(crons)
    finally:
        await pool.close()


async def test_a_tick_its_creator_may_not_run_is_skipped_and_the_cron_stays(
    database_url: str,
) -> None:
    clock = SteppingClock(START)
    pool = await open_pool(database_url, min_size=1, max_size=4)
    asked: list[str | None] = []

    async def only_alice(request: CreateRun, user_id: str | None) -> CreateRun:
        asked.append(user_id)
        if user_id != "alice":
            raise FiringRefused(f"{user_id} may not run it")
        return request

    try:
        store = PostgresEventStore(pool)
        graphs = Graphs()
        assistant_id = await create_assistant(
            CreateAssistant(graph_id="echo"), store, clock, graphs
        )
        made = {
            user: await create_cron(
                CreateCron(
                    assistant_id=assistant_id,
                    schedule="* * * * * *",
                    user_id=user,
                    on_run_completed="keep",
                ),
                store,
                clock,
                graphs,
            )
            for user in ("alice", "bob")
        }
        db = PostgresDatabase(pool)
        scheduler = CronScheduler(store, db, clock, graphs, authorize=only_alice)
        for _ in range(2):
            clock.at += timedelta(seconds=1)
            ticks = {t.cron_id: t for t in await scheduler.sweep()}
            assert ticks[made["alice"]].run_id and ticks[made["alice"]].error is None
            assert ticks[made["bob"]].run_id is None and "bob may not" in ticks[made["bob"]].error
        assert sorted(asked) == ["alice", "alice", "bob", "bob"]
        rows = await db.fetch("SELECT cron_id, user_id FROM crons ORDER BY user_id")
        assert [(r["cron_id"], r["user_id"]) for r in rows] == [
            (made["alice"], "alice"),
            (made["bob"], "bob"),
        ]  # skipped, not deleted
        runs = await db.fetch("SELECT metadata->>'cron_id' AS cron_id FROM runs")
        assert [r["cron_id"] for r in runs] == [made["alice"]] * 2
    finally:
        await pool.close()


async def test_two_worker_processes_fire_each_tick_of_a_cron_once(cluster, database_url) -> None:
    cluster.start_worker()
    cluster.start_worker()
    client = get_client(url=cluster.url)
    cron = await client.crons.create(
        "echo", schedule="* * * * * *", input={}, on_run_completed="keep"
    )
    async with await psycopg.AsyncConnection.connect(database_url) as conn:

        async def fired() -> list[tuple]:
            return await (
                await conn.execute(
                    "SELECT data->>'tick', data->>'run_id' FROM events "
                    "WHERE type = 'cron.fired' AND data->>'cron_id' = %s",
                    (cron["cron_id"],),
                )
            ).fetchall()

        deadline = time.monotonic() + 60
        while len(await fired()) < 4 and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        await client.crons.delete(cron["cron_id"])
        ticks = await fired()
        runs = await (
            await conn.execute(
                "SELECT run_id FROM runs WHERE metadata->>'cron_id' = %s", (cron["cron_id"],)
            )
        ).fetchall()
    assert len(ticks) >= 4
    assert len({tick for tick, _ in ticks}) == len(ticks)  # no tick twice
    assert {run_id for _, run_id in ticks} == {run_id for (run_id,) in runs}


async def test_a_tick_that_interrupts_ends_the_streams_of_the_queued_runs_it_cancels(
    database_url: str, nc, nats_prefix: str
) -> None:
    clock = SteppingClock(START)
    pool = await open_pool(database_url, min_size=1, max_size=4)
    streams = RunStreams(nc, nc.jetstream(), nats_prefix)
    try:
        store = PostgresEventStore(pool)
        graphs = Graphs()
        assistant_id = await create_assistant(
            CreateAssistant(graph_id="echo"), store, clock, graphs
        )
        thread_id = (await create_thread(CreateThread(), store, clock)).thread_id
        queued = [
            (await create_run(_run(assistant_id, thread_id), store, clock, graphs)).run_id
            for _ in range(2)
        ]  # no executor here: both stay pending
        await create_cron(
            CreateCron(
                assistant_id=assistant_id,
                schedule="* * * * * *",
                thread_id=thread_id,
                payload={"multitask_strategy": "interrupt"},
            ),
            store,
            clock,
            graphs,
        )
        scheduler = CronScheduler(store, PostgresDatabase(pool), clock, graphs, streams=streams)
        clock.at += timedelta(seconds=1)
        [tick] = await scheduler.sweep()
        assert set(tick.cancelled_pending) == set(queued)
        for run_id in queued:  # a client following either stops instead of waiting forever
            assert await streams.wait_end(run_id, timeout=5) == "interrupted"
    finally:
        await pool.close()


def _run(assistant_id: str, thread_id: str) -> CreateRun:
    return CreateRun(assistant_id=assistant_id, thread_id=thread_id, multitask_strategy="enqueue")
