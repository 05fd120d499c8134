"""Every read model rebuilt from the event log alone equals the live one."""

from __future__ import annotations

import asyncio
import gzip
import json
import subprocess
from pathlib import Path

import httpx
import psycopg
from langgraph_sdk import get_client
from langgraph_sdk.errors import ConflictError

from duragraph import projections
from servers import Cluster, command

KEYS = {
    "assistants": "assistant_id",
    "assistant_versions": "assistant_id, version",
    "threads": "thread_id",
    "runs": "run_id",
    "thread_ttl": "thread_id",
    "checkpoints": "thread_id, checkpoint_ns, checkpoint_id",
    "checkpoint_writes": "thread_id, checkpoint_ns, checkpoint_id, task_id, idx",
    "store_items": "namespace, key",
    "store_vectors": "namespace, key, idx",
    "crons": "cron_id",
}


async def snapshot(database_url: str) -> dict[str, list[tuple]]:
    async with await psycopg.AsyncConnection.connect(database_url) as conn:
        return {
            table: await (
                await conn.execute(f"SELECT * FROM {table} ORDER BY {KEYS[table]}")
            ).fetchall()
            for table in projections.TABLES
        }


async def workload(url: str) -> None:
    client = get_client(url=url)
    assistant = await client.assistants.create("steps", name="mine", metadata={"v": 1})
    await client.assistants.update(assistant["assistant_id"], metadata={"v": 2})
    rolled = await client.assistants.create("echo", name="first")
    await client.assistants.update(rolled["assistant_id"], name="second")
    await client.assistants.set_latest(rolled["assistant_id"], 1)
    doomed = await client.assistants.create("echo")
    await client.assistants.delete(doomed["assistant_id"])
    kept = await client.threads.create(metadata={"a": 1})
    await client.threads.update(kept["thread_id"], metadata={"b": 2})
    await client.runs.wait(kept["thread_id"], assistant["assistant_id"], input={})
    await client.runs.wait(kept["thread_id"], "steps", input={})
    asked = await client.threads.create()
    await client.runs.wait(asked["thread_id"], "interrupting", input={})
    await client.runs.wait(asked["thread_id"], "interrupting", command={"resume": "Ada"})
    failed = await client.threads.create()
    await client.runs.wait(failed["thread_id"], "failing", input={}, raise_error=False)
    busy = await client.threads.create()
    first = await client.runs.create(busy["thread_id"], "slow", input={"sleep": 0.3})
    try:
        await client.runs.create(busy["thread_id"], "slow", input={}, multitask_strategy="reject")
    except ConflictError:
        pass
    second = await client.runs.create(
        busy["thread_id"], "echo", input={"messages": []}, multitask_strategy="enqueue"
    )
    await client.runs.join(busy["thread_id"], first["run_id"])
    await client.runs.join(busy["thread_id"], second["run_id"])
    rolled = await client.threads.create()
    old = await client.runs.create(rolled["thread_id"], "slow", input={"sleep": 5})
    while (await client.runs.get(rolled["thread_id"], old["run_id"]))["status"] != "running":
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.1)  # its first checkpoint is committed, then rolled back
    await client.runs.wait(
        rolled["thread_id"], "echo", input={"messages": []}, multitask_strategy="rollback"
    )
    gone = await client.threads.create()
    await client.runs.wait(gone["thread_id"], "echo", input={"messages": []})
    await client.threads.delete(gone["thread_id"])
    await client.runs.wait(None, "echo", input={"messages": []})  # a temporary thread
    await store_workload(client)
    await thread_state_workload(client, kept["thread_id"])


async def store_workload(client) -> None:
    await client.store.put_item(["notes", "ada"], "a", {"text": "pizza and olives"}, ttl=60)
    await client.store.put_item(["notes", "ada"], "b", {"text": "chess"}, index=False)
    await client.store.put_item(["notes", "ada"], "a", {"text": "pizza only"}, ttl=60)
    await client.store.put_item(["notes", "bob"], "c", {"text": "tea"})
    await client.store.delete_item(["notes", "bob"], "c")
    await client.store.get_item(["notes", "ada"], "a", refresh_ttl=True)
    await client.store.search_items(["notes"], query="pizza", refresh_ttl=True)
    await client.runs.wait(None, "memory", input={"user": "ada", "remember": "tea"})
    await cron_workload(client)


async def cron_workload(client) -> None:
    ticking = await client.threads.create()
    cron = await client.crons.create_for_thread(
        ticking["thread_id"], "echo", schedule="* * * * * *", input={"value": 1}
    )
    while not await client.runs.list(ticking["thread_id"]):
        await asyncio.sleep(0.1)
    await client.crons.update(cron["cron_id"], enabled=False, metadata={"paused": True})
    for run in await client.runs.list(ticking["thread_id"], limit=100):
        await client.runs.join(ticking["thread_id"], run["run_id"])
    daily = await client.crons.create(
        "steps", schedule="0 9 * * *", timezone="Europe/Paris", on_run_completed="keep"
    )
    await client.crons.update(daily["cron_id"], input={"x": 1}, end_time=None)
    doomed = await client.crons.create("echo", schedule="0 9 * * *")
    await client.crons.delete(doomed["cron_id"])


async def until(condition, timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.2)


async def thread_state_workload(client, ran: str) -> None:
    """update_state, copy, prune and TTL sweeps (the test config sweeps every 0.6 s)."""
    edited = await client.threads.create(graph_id="steps", ttl=60)
    await client.threads.update_state(edited["thread_id"], {"steps": ["mine"]}, as_node="one")
    copied = await client.threads.copy(ran)
    await client.threads.prune([copied["thread_id"]], strategy="keep_latest")
    dropped = await client.threads.create()
    await client.threads.prune([dropped["thread_id"]])
    expiring = await client.threads.create(ttl=0.01)
    pruned = await client.threads.create()
    await client.runs.wait(pruned["thread_id"], "steps", input={})
    await client.threads.update(
        pruned["thread_id"], metadata={}, ttl={"strategy": "keep_latest", "ttl": 0.01}
    )

    async def swept() -> bool:
        left = await client.threads.search(ids=[expiring["thread_id"]])
        history = await client.threads.get_history(pruned["thread_id"])
        return not left and len(history) == 1

    await until(swept)


async def test_rebuilding_projections_after_a_workload_gives_the_same_rows(
    cluster: Cluster, database_url: str
):
    cluster.start_worker()
    await _workload_then_rebuild(cluster, database_url)


async def test_runs_claimed_at_their_creation_rebuild_to_the_same_rows(
    dev_node: Cluster, database_url: str
):
    await _workload_then_rebuild(dev_node, database_url)
    async with await psycopg.AsyncConnection.connect(database_url) as conn:
        started_at_creation = await (
            await conn.execute(
                "SELECT count(*) FROM events c JOIN events s ON s.tx_id = c.tx_id "
                "AND s.data->>'run_id' = c.data->>'run_id' "
                "WHERE c.type = 'run.created' AND s.type = 'run.started'"
            )
        ).fetchone()
    assert started_at_creation[0] >= 10


async def _workload_then_rebuild(cluster: Cluster, database_url: str) -> None:
    await workload(cluster.url)
    live = await snapshot(database_url)
    assert all(
        live[t]
        for t in (
            "assistants",
            "threads",
            "runs",
            "checkpoints",
            "store_items",
            "store_vectors",
            "crons",
            "thread_ttl",
        )
    )

    await rebuilt_equals(cluster, database_url, live)


async def rebuilt_equals(cluster: Cluster, database_url: str, live: dict) -> None:
    """`duragraph projections rebuild` leaves the rows of `live`."""
    subprocess.run(
        command("projections", "rebuild", "--database-url", database_url),
        check=True,
        env=cluster.env,
    )
    rebuilt = await snapshot(database_url)
    for table in projections.TABLES:
        assert rebuilt[table] == live[table], table


async def audit(url: str, database_url: str) -> dict[str, list]:
    """Every live thread's audit log, as `GET /threads/{id}/events` shows it."""
    async with await psycopg.AsyncConnection.connect(database_url) as conn:
        rows = await (await conn.execute("SELECT thread_id FROM threads")).fetchall()
    async with httpx.AsyncClient(base_url=url) as http:
        return {
            thread_id: (await http.get(f"/threads/{thread_id}/events?limit=1000")).json()
            for (thread_id,) in rows
        }


async def count_events(database_url: str) -> int:
    async with await psycopg.AsyncConnection.connect(database_url) as conn:
        return (await (await conn.execute("SELECT count(*) FROM events")).fetchone())[0]


async def test_archiving_the_log_while_serving_keeps_every_read_and_the_rebuild(
    cluster: Cluster, database_url: str, tmp_path: Path
):
    cluster.start_worker()
    await workload(cluster.url)
    live, audited, before = (
        await snapshot(database_url),
        await audit(cluster.url, database_url),
        await count_events(database_url),
    )
    archive = tmp_path / "old.jsonl.gz"
    archiving = subprocess.Popen(
        command("events", "archive", "--older-than", "0", "--to", str(archive)),
        env=cluster.env,
        stdout=subprocess.PIPE,
        text=True,
    )
    while archiving.poll() is None:  # the server answers reads meanwhile
        assert await audit(cluster.url, database_url) == audited
    assert archiving.returncode == 0
    with gzip.open(archive) as lines:
        archived = [json.loads(line) for line in lines]
    assert f"archived {len(archived)} events" in archiving.stdout.read()
    assert {e["type"] for e in archived} >= {
        "checkpoint.saved",  # pruned and deleted checkpoints
        "thread.created",  # deleted threads, the temporary one too
        "assistant.created",
        "store.item_put",
        "cron.created",
    }
    assert await count_events(database_url) == before - len(archived)
    assert await snapshot(database_url) == live
    assert await audit(cluster.url, database_url) == audited
    await rebuilt_equals(cluster, database_url, live)
    client = get_client(url=cluster.url)
    kept = await client.threads.search(metadata={"a": 1, "b": 2})
    result = await client.runs.wait(kept[0]["thread_id"], "steps", input={})
    assert result["steps"] == ["one", "two", "three"] * 3


async def thread_reads(client, ids: list[str]) -> list:
    """What clients read of these threads: each one, and a search by values."""
    found = [await client.threads.get(t) for t in ids]
    hits = await client.threads.search(values={"messages": [{"content": "turn 2"}]}, limit=100)
    return [found, sorted(t["thread_id"] for t in hits)]


async def test_thread_values_read_the_same_after_a_rebuild_and_from_rows_projected_before(
    cluster: Cluster, database_url: str
):
    """A thread's values come from its last run's outcome event, or from its
    row (a state update, or a row projected before the row pointed at events)."""
    cluster.start_worker()
    client = get_client(url=cluster.url)
    chats = [(await client.threads.create())["thread_id"] for _ in range(2)]
    for turn in range(4):
        for thread in chats:
            await client.runs.wait(thread, "chat", input={"messages": [("user", f"turn {turn}")]})
    edited = (await client.threads.create(graph_id="chat"))["thread_id"]
    await client.threads.update_state(edited, {"messages": [("user", "turn 2")]})
    ids = [*chats, edited]
    before = await thread_reads(client, ids)
    assert before[1] == sorted(ids)
    assert len(before[0][0]["values"]["messages"]) == 8

    await rebuilt_equals(cluster, database_url, await snapshot(database_url))
    assert await thread_reads(client, ids) == before

    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        await conn.execute(  # as rows were projected before migration 011
            "UPDATE threads SET values = (SELECT data->'values' FROM events "
            "WHERE position = values_event), values_event = NULL WHERE thread_id = %s",
            (chats[0],),
        )
    assert await thread_reads(client, ids) == before
