"""Copying and pruning threads, and what a thread's checkpoints occupy."""

from __future__ import annotations

import uuid

import pytest
from langgraph_sdk.errors import ConflictError, NotFoundError, UnprocessableEntityError

from e2e_support import new_thread, wait_for_run_status

pytestmark = pytest.mark.e2e


def ids(history: list[dict]) -> list[str]:
    return [h["checkpoint"]["checkpoint_id"] for h in history]


async def test_a_copy_has_the_metadata_values_and_history_of_its_source(client) -> None:
    source = await new_thread(client, owner="ann")
    await client.runs.wait(source, "steps", input={})
    copy = await client.threads.copy(source)
    assert copy["thread_id"] != source
    assert copy["metadata"] == (await client.threads.get(source))["metadata"]
    assert copy["values"] == {"steps": ["one", "two", "three"]}
    assert copy["status"] == "idle"
    source_history = await client.threads.get_history(source)
    copy_history = await client.threads.get_history(copy["thread_id"])
    assert ids(copy_history) == ids(source_history)
    assert [h["values"] for h in copy_history] == [h["values"] for h in source_history]
    assert {h["checkpoint"]["thread_id"] for h in copy_history} == {copy["thread_id"]}
    # the copy lives on by itself
    result = await client.runs.wait(copy["thread_id"], "steps", input={})
    assert result["steps"] == ["one", "two", "three"] * 2
    assert (await client.threads.get_state(source))["values"]["steps"] == ["one", "two", "three"]


async def test_a_copy_of_an_interrupted_thread_can_be_resumed(client) -> None:
    source = await new_thread(client)
    await client.runs.wait(source, "interrupting", input={})
    copy = await client.threads.copy(source)
    assert copy["status"] == "interrupted"
    assert copy["interrupts"] == (await client.threads.get(source))["interrupts"]
    result = await client.runs.wait(copy["thread_id"], "interrupting", command={"resume": "Cy"})
    assert result["greeting"] == "Hello, Cy!"
    assert (await client.threads.get(source))["status"] == "interrupted"


async def test_copying_a_busy_or_unknown_thread_is_refused(client) -> None:
    with pytest.raises(NotFoundError):
        await client.threads.copy(str(uuid.uuid4()))
    busy = await new_thread(client)
    run = await client.runs.create(busy, "slow", input={"sleep": 2})
    await wait_for_run_status(client, busy, run["run_id"], ("running",))
    threads_before = await client.threads.count()
    with pytest.raises(ConflictError):
        await client.threads.copy(busy)
    assert await client.threads.count() == threads_before  # no copy was made
    await client.runs.join(busy, run["run_id"])


async def test_prune_with_delete_removes_the_threads(client) -> None:
    first, second = await new_thread(client), await new_thread(client)
    await client.runs.wait(first, "steps", input={})
    result = await client.threads.prune([first, second, str(uuid.uuid4())])
    assert result == {"pruned_count": 2}
    for thread_id in (first, second):
        with pytest.raises(NotFoundError):
            await client.threads.get(thread_id)


async def test_prune_keep_latest_keeps_only_the_latest_state(client) -> None:
    thread_id = await new_thread(client)
    await client.runs.wait(thread_id, "steps", input={})
    latest = await client.threads.get_state(thread_id)
    assert len(await client.threads.get_history(thread_id)) == 5
    result = await client.threads.prune([thread_id], strategy="keep_latest")
    assert result == {"pruned_count": 1}
    history = await client.threads.get_history(thread_id)
    assert ids(history) == [latest["checkpoint"]["checkpoint_id"]]
    assert history[0]["values"] == latest["values"]
    thread = await client.threads.get(thread_id)
    assert thread["values"] == latest["values"]
    again = await client.runs.wait(thread_id, "steps", input={})
    assert again["steps"] == ["one", "two", "three"] * 2


async def test_prune_with_an_unknown_strategy_is_rejected(client) -> None:
    thread_id = await new_thread(client)
    with pytest.raises(UnprocessableEntityError):
        await client.http.post(
            "/threads/prune", json={"thread_ids": [thread_id], "strategy": "shred"}
        )
    assert (await client.threads.get(thread_id))["thread_id"] == thread_id


async def test_storage_counts_checkpoints_channel_values_and_writes(client) -> None:
    thread_id = await new_thread(client)
    empty = await client.http.get(f"/threads/{thread_id}/storage")
    assert empty["total_bytes"] == 0 and empty["checkpoints"] == {"count": 0, "bytes": 0}
    await client.runs.wait(thread_id, "steps", input={})
    storage = await client.http.get(f"/threads/{thread_id}/storage")
    assert storage["thread_id"] == thread_id
    assert storage["checkpoints"]["count"] == len(await client.threads.get_history(thread_id))
    steps = storage["channel_values"]["by_channel"]["steps"]
    assert steps["versions"] == 3  # one list per node that appended to it
    assert storage["channel_values"]["count"] == sum(
        c["versions"] for c in storage["channel_values"]["by_channel"].values()
    )
    assert storage["total_bytes"] == (
        storage["checkpoints"]["bytes"]
        + storage["channel_values"]["bytes"]
        + storage["pending_writes"]["bytes"]
    )
    assert storage["checkpoints"]["bytes"] > 0 and storage["channel_values"]["bytes"] > 0
    with pytest.raises(NotFoundError):
        await client.http.get(f"/threads/{uuid.uuid4()}/storage")
