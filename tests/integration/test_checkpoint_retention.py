"""`checkpointer.retention` in langgraph.json: the sweep of `duragraph dev`
drops old checkpoints of live threads, and the threads go on working on what
is kept."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import psycopg
import pytest
from langgraph_sdk import get_client
from langgraph_sdk.errors import NotFoundError

from servers import dev_on, dev_refusing, project_with_checkpointer

SWEEP = {"sweep_interval_minutes": 0.01}  # 0.6 s


@pytest.fixture
def keep_3(tmp_path: Path, database_url: str, nats_url: str, nats_prefix: str):
    path = project_with_checkpointer(tmp_path, {"ttl": SWEEP, "retention": {"keep_last": 3}})
    with dev_on(path, tmp_path / "data", database_url, nats_url, nats_prefix) as url:
        yield get_client(url=url)


UNREFERENCED_BLOBS = """
SELECT count(*) FILTER (WHERE NOT EXISTS (
         SELECT 1 FROM checkpoints c CROSS JOIN LATERAL jsonb_each_text(c.blob_versions) v
         WHERE c.thread_id = b.thread_id AND c.checkpoint_ns = b.checkpoint_ns
           AND v.key = b.channel AND v.value = b.version)),
       count(*)
FROM checkpoint_blobs b WHERE b.thread_id = %s"""


async def blobs_of(database_url: str, thread_id: str) -> tuple[int, int]:
    """(values no kept checkpoint refers to, all values) stored for the thread."""
    async with await psycopg.AsyncConnection.connect(database_url) as conn:
        row = await (await conn.execute(UNREFERENCED_BLOBS, (thread_id,))).fetchone()
    assert row is not None
    return row[0], row[1]


async def history_ids(client, thread_id: str) -> list[str]:
    history = await client.threads.get_history(thread_id, limit=100)
    return [h["checkpoint"]["checkpoint_id"] for h in history]


async def pruned_to(client, thread_id: str, n: int, timeout: float = 30) -> list[str]:
    deadline = time.monotonic() + timeout
    while len(ids := await history_ids(client, thread_id)) > n and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    return ids


async def test_keep_last_prunes_old_checkpoints_and_the_thread_goes_on(
    keep_3, database_url: str
) -> None:
    client = keep_3
    thread_id = (await client.threads.create())["thread_id"]
    for _ in range(2):
        await client.runs.wait(thread_id, "steps", input={})
    before = await history_ids(client, thread_id)
    assert len(before) == 10  # 5 per run: input, start, and one per node
    _, stored_before = await blobs_of(database_url, thread_id)
    kept = await pruned_to(client, thread_id, 3)
    assert kept == before[:3]
    unreferenced, stored_after = await blobs_of(database_url, thread_id)
    assert unreferenced == 0 and stored_after < stored_before  # the pruned values went too
    state = await client.threads.get_state(thread_id)
    assert state["values"]["steps"] == ["one", "two", "three"] * 2
    assert state["checkpoint"]["checkpoint_id"] == before[0]
    dropped = before[5]
    with pytest.raises(NotFoundError):
        await client.threads.get_state(thread_id, checkpoint_id=dropped)
    with pytest.raises(NotFoundError):
        await client.runs.create(thread_id, "steps", input={}, checkpoint_id=dropped)
    result = await client.runs.wait(thread_id, "steps", input={})
    assert result["steps"] == ["one", "two", "three"] * 3  # the conversation continues
    assert len(await pruned_to(client, thread_id, 3)) == 3


async def test_an_interrupted_thread_stays_resumable_after_pruning(keep_3) -> None:
    client = keep_3
    thread_id = (await client.threads.create())["thread_id"]
    for _ in range(3):  # three interrupted runs: many checkpoints, all interrupted
        await client.runs.wait(thread_id, "interrupting", input={"question": "name?"})
    assert len(await pruned_to(client, thread_id, 3)) == 3
    assert (await client.threads.get(thread_id))["status"] == "interrupted"
    done = await client.runs.wait(thread_id, "interrupting", command={"resume": "Ada"})
    assert done["greeting"] == "Hello, Ada!"


async def test_nothing_is_pruned_while_a_run_is_pending_or_running(keep_3) -> None:
    client = keep_3
    thread_id = (await client.threads.create())["thread_id"]
    first = await client.runs.create(thread_id, "steps", input={"delay": 0.7})
    seen: set[str] = set()
    while len(seen) < 2:  # its input checkpoint and its first step
        seen.update(await history_ids(client, thread_id))
    start = min(seen)  # the input checkpoint: a later run forks from it
    second = await client.runs.create(
        thread_id, "steps", checkpoint_id=start, multitask_strategy="enqueue"
    )
    while (await client.runs.get(thread_id, second["run_id"]))["status"] in ("pending", "running"):
        now = set(await history_ids(client, thread_id))
        assert seen <= now, "a checkpoint went while a run was pending or running"
        seen = now
        await asyncio.sleep(0.1)
    assert (await client.runs.get(thread_id, first["run_id"]))["status"] == "success"
    assert (await client.runs.get(thread_id, second["run_id"]))["status"] == "success"
    assert len(seen) > 3  # more than keep_last piled up meanwhile
    assert len(await pruned_to(client, thread_id, 3)) == 3


@pytest.mark.parametrize(
    "retention, problem",
    [
        ({"keep_last": 0}, "checkpointer.retention.keep_last"),
        ({"max_age_minutes": "1d"}, "checkpointer.retention.max_age_minutes"),
        ({"keep": 3}, "unknown key(s) keep"),
        ([3], "checkpointer.retention must be an object"),
    ],
)
def test_a_bad_retention_config_stops_the_server_with_one_line(
    tmp_path: Path, retention: object, problem: str
) -> None:
    done = dev_refusing(tmp_path, {"retention": retention})
    assert done.returncode != 0
    assert problem in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
