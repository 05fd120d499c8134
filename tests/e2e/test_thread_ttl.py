"""Thread TTLs: a thread created or patched with a `ttl` is swept when it
expires (the test langgraph.json sweeps every 0.6 s); a busy thread waits
for its run."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from langgraph_sdk.errors import NotFoundError, UnprocessableEntityError

from e2e_support import new_thread, wait_for_run_status

pytestmark = pytest.mark.e2e

SHORT = 0.02  # minutes: 1.2 s


async def gone(client, thread_id: str, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            await client.threads.get(thread_id)
        except NotFoundError:
            return True
        await asyncio.sleep(0.2)
    return False


async def test_a_thread_with_a_ttl_is_deleted_when_it_expires(client) -> None:
    thread = await client.threads.create(ttl=SHORT)
    kept = await client.threads.create(ttl=60)
    shown = await client.threads.get(thread["thread_id"], include=["ttl"])
    assert shown["ttl"]["strategy"] == "delete"
    assert shown["ttl"]["ttl_minutes"] == SHORT
    assert shown["ttl"]["expires_at"]
    assert "ttl" not in await client.threads.get(thread["thread_id"])
    assert await gone(client, thread["thread_id"])
    assert (await client.threads.get(kept["thread_id"]))["thread_id"] == kept["thread_id"]


async def test_a_ttl_set_by_patch_expires_the_thread(client) -> None:
    thread_id = await new_thread(client)
    await client.runs.wait(thread_id, "steps", input={})
    await client.threads.update(
        thread_id, metadata={"n": 1}, ttl={"strategy": "delete", "ttl": SHORT}
    )
    assert await gone(client, thread_id)
    with pytest.raises(NotFoundError):
        await client.threads.get_history(thread_id)


async def test_keep_latest_ttl_prunes_old_checkpoints_and_keeps_the_thread(client) -> None:
    thread_id = await new_thread(client)
    await client.runs.wait(thread_id, "steps", input={})
    latest = await client.threads.get_state(thread_id)
    await client.threads.update(
        thread_id, metadata={}, ttl={"strategy": "keep_latest", "ttl": SHORT}
    )
    deadline = time.monotonic() + 30
    while len(await client.threads.get_history(thread_id)) > 1 and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    history = await client.threads.get_history(thread_id)
    assert [h["checkpoint"]["checkpoint_id"] for h in history] == [
        latest["checkpoint"]["checkpoint_id"]
    ]
    thread = await client.threads.get(thread_id, include=["ttl"])
    assert thread["values"] == latest["values"]
    assert thread["ttl"] is None  # used up: not pruned again and again


async def test_a_busy_thread_outlives_its_ttl_until_its_run_ends(client) -> None:
    thread = await client.threads.create(ttl=SHORT)
    thread_id = thread["thread_id"]
    run = await client.runs.create(thread_id, "slow", input={"sleep": 4})
    await wait_for_run_status(client, thread_id, run["run_id"], ("running",))
    await asyncio.sleep(2.5)  # past its TTL and several sweeps
    assert (await client.runs.get(thread_id, run["run_id"]))["status"] == "running"
    assert (await client.threads.get(thread_id))["status"] == "busy"
    assert await gone(client, thread_id)


async def test_a_bad_ttl_is_rejected_and_creates_nothing(client) -> None:
    for ttl in ({"ttl": -1}, {"ttl": 0}, {"ttl": "soon"}, {"strategy": "shred", "ttl": 5}, {}):
        thread_id = str(uuid.uuid4())
        with pytest.raises(UnprocessableEntityError) as refused:
            await client.threads.create(thread_id=thread_id, ttl=ttl)
        assert "ttl" in refused.value.response.json()["detail"]
        with pytest.raises(NotFoundError):
            await client.threads.get(thread_id)
    thread_id = await new_thread(client, n=0)
    with pytest.raises(UnprocessableEntityError):
        await client.threads.update(thread_id, metadata={"n": 1}, ttl={"ttl": -5})
    after = await client.threads.get(thread_id, include=["ttl"])
    assert after["metadata"] == {"n": 0} and after["ttl"] is None
