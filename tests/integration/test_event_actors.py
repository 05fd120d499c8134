"""Who did what: every event's metadata names the actor of the transaction
that appended it, a user or the part of the system that acted."""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta, timezone

import httpx

from duragraph.application.acting import acting_as
from duragraph.application.commands.assistants import CreateAssistant, create_assistant
from duragraph.application.commands.crons import CreateCron, create_cron
from duragraph.application.commands.runs import CreateRun, create_run
from duragraph.application.commands.threads import CreateThread, create_thread
from duragraph.application.execution.claim import ClaimRun, claim_run
from duragraph.application.ports import StreamAppend
from duragraph.domain.events import ThreadUpdated
from duragraph.domain.identity import Actor
from duragraph.domain.run_spec import RunSpec
from duragraph.domain.thread import Thread
from duragraph.infrastructure.background.cron_scheduler import CronScheduler
from duragraph.infrastructure.background.thread_ttl import TtlSweeper
from duragraph.infrastructure.postgres.database import PostgresDatabase
from duragraph.infrastructure.postgres.event_store import PostgresEventStore
from servers import GRAPHS, Cluster, command

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
ALICE = {"actor": {"kind": "user", "identity": "alice"}}


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


class Graphs:
    def has(self, graph_id: str) -> bool:
        return graph_id == "echo"

    def ids(self) -> list[str]:
        return ["echo"]


async def actors(pool, stream_id: str | None = None) -> list[tuple[str, dict]]:
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT type, metadata FROM events WHERE %(s)s::text IS NULL OR stream_id = %(s)s "
            "ORDER BY position",
            {"s": stream_id},
        )
        return await cur.fetchall()


async def test_an_event_appended_while_acting_as_alice_names_alice(pool) -> None:
    store = PostgresEventStore(pool)
    with acting_as(Actor(identity="alice")):
        await create_thread(CreateThread(thread_id="t1"), store, Clock(NOW))
    assert await actors(pool) == [("thread.created", ALICE)]


async def test_an_event_appended_by_no_one_in_particular_is_anonymous(pool) -> None:
    await create_thread(CreateThread(thread_id="t1"), PostgresEventStore(pool), Clock(NOW))
    assert await actors(pool) == [("thread.created", {"actor": {"kind": "user", "identity": ""}})]


async def test_every_event_of_one_transaction_names_the_same_actor(pool) -> None:
    store = PostgresEventStore(pool)
    a, b = Thread("a"), Thread("b")
    for t in (a, b):
        t.create(metadata={}, now=NOW)
    extra = StreamAppend("thread-c", None, [ThreadUpdated(at=NOW, thread_id="c", metadata={})] * 2)
    with acting_as(Actor(by="recovery", on_behalf_of="bob")):
        await store.save(a, b, extra=[extra])
    recovery = {"actor": {"kind": "system", "by": "recovery", "on_behalf_of": "bob"}}
    assert [m for _, m in await actors(pool)] == [recovery] * 4


async def test_a_cron_firing_is_recorded_as_the_cron_scheduler(pool) -> None:
    store, clock, graphs = PostgresEventStore(pool), Clock(NOW), Graphs()
    with acting_as(Actor(identity="alice")):
        assistant_id = await create_assistant(
            CreateAssistant(graph_id="echo"), store, clock, graphs
        )
        cron_id = await create_cron(
            CreateCron(assistant_id=assistant_id, schedule="* * * * * *"), store, clock, graphs
        )
    clock.at += timedelta(seconds=2)
    fired = await CronScheduler(store, PostgresDatabase(pool), clock, graphs).sweep()
    assert len(fired) == 1
    cron = {"actor": {"kind": "system", "by": "cron"}}
    assert await actors(pool, f"cron-{cron_id}") == [("cron.created", ALICE), ("cron.fired", cron)]
    assert await actors(pool, f"thread-{fired[0].thread_id}") == [
        ("thread.created", cron),
        ("run.created", cron),
    ]


async def test_a_thread_the_ttl_sweeper_expires_is_recorded_as_the_sweeper(pool) -> None:
    store = PostgresEventStore(pool)
    past = Clock(datetime.now(timezone.utc) - timedelta(hours=1))
    with acting_as(Actor(identity="alice")):
        created = await create_thread(
            CreateThread(ttl={"strategy": "delete", "ttl": 1}), store, past
        )
    sweeper = TtlSweeper(PostgresDatabase(pool), store, Clock(datetime.now(timezone.utc)), None, 60)
    assert await sweeper.sweep() == 1
    rows = await actors(pool, f"thread-{created.thread_id}")
    assert rows[0][1] == ALICE
    assert rows[-1] == ("thread.deleted", {"actor": {"kind": "system", "by": "sweeper"}})


async def test_the_executor_claims_a_run_for_its_caller_and_recovery_claims_it_back(pool) -> None:
    store, clock, graphs = PostgresEventStore(pool), Clock(NOW), Graphs()
    spec = RunSpec(config={"configurable": {"langgraph_auth_user_id": "alice"}})
    with acting_as(Actor(identity="alice")):
        assistant_id = await create_assistant(
            CreateAssistant(graph_id="echo"), store, clock, graphs
        )
        thread_id = (await create_thread(CreateThread(), store, clock)).thread_id
        created = await create_run(
            CreateRun(assistant_id=assistant_id, thread_id=thread_id, spec=spec),
            store,
            clock,
            graphs,
        )
    claim = ClaimRun(run_id=created.run_id, thread_id=thread_id, worker_id="w1", lease_seconds=10)
    assert await claim_run(claim, store, clock, lapsed_epoch=None) is not None
    assert await claim_run(claim, store, clock, lapsed_epoch=1) is not None
    rows = [r for r in await actors(pool, f"thread-{thread_id}") if r[0] == "run.started"]
    assert [m for _, m in rows] == [
        {"actor": {"kind": "system", "by": "executor", "on_behalf_of": "alice"}},
        {"actor": {"kind": "system", "by": "recovery", "on_behalf_of": "alice"}},
    ]


async def test_who_did_what_survives_a_projection_rebuild(cluster_env: dict[str, str]) -> None:
    node = Cluster(cluster_env, config=GRAPHS.parent / "langgraph.auth.json")
    node.start_api("dev")
    try:
        threads = await _two_users_work(node.url)
        before = await _audit_logs(node.url, threads)
        subprocess.run(
            command(
                "projections", "rebuild", "--database-url", cluster_env["DURAGRAPH_DATABASE_URL"]
            ),
            check=True,
            env=node.env,
        )
        after = await _audit_logs(node.url, threads)
    finally:
        node.close()
    assert after == before
    alice, bob = (actors_of(log) for log in after)
    assert alice["thread.created"] == alice["run.created"] == ALICE["actor"]
    assert alice["run.succeeded"] == {"kind": "system", "by": "executor", "on_behalf_of": "alice"}
    assert bob["thread.created"] == bob["thread.updated"] == {"kind": "user", "identity": "bob"}


def actors_of(events: list[dict]) -> dict[str, dict]:
    return {e["type"]: e["metadata"]["actor"] for e in events}


def _as(url: str, user: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer token-{user}"})


async def _two_users_work(url: str) -> list[tuple[str, str]]:
    """Alice runs on a thread of hers, Bob edits his: (user, thread) each."""
    async with _as(url, "alice") as alice, _as(url, "bob") as bob:
        ran = (await alice.post("/threads", json={})).json()["thread_id"]
        await alice.post(f"/threads/{ran}/runs/wait", json={"assistant_id": "echo", "input": {}})
        edited = (await bob.post("/threads", json={})).json()["thread_id"]
        await bob.patch(f"/threads/{edited}", json={"metadata": {"k": 1}})
    return [("alice", ran), ("bob", edited)]


async def _audit_logs(url: str, threads: list[tuple[str, str]]) -> list[list[dict]]:
    logs = []
    for user, thread_id in threads:
        async with _as(url, user) as http:
            response = await http.get(f"/threads/{thread_id}/events")
            response.raise_for_status()
            logs.append(response.json())
    return logs
