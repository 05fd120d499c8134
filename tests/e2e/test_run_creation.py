"""Creating runs as the official server does: the ids it hands out, what a
run that stops others starts as, and what an unknown assistant answers."""

from __future__ import annotations

import uuid

import httpx
import pytest

from e2e_support import new_thread, wait_for_run_status

pytestmark = pytest.mark.e2e


async def test_thread_and_run_ids_are_uuid7_in_the_order_they_were_made(client) -> None:
    threads = [await new_thread(client) for _ in range(3)]
    runs = [
        (await client.runs.create(threads[0], "echo", input={}, multitask_strategy="enqueue"))[
            "run_id"
        ]
        for _ in range(3)
    ]
    stateless = await client.runs.create(None, "echo", input={}, on_completion="keep")
    for ids in (threads, runs):
        assert [uuid.UUID(i).version for i in ids] == [7, 7, 7]
        assert ids == sorted(ids)
    assert uuid.UUID(stateless["thread_id"]).version == 7


@pytest.mark.parametrize("strategy", ["interrupt", "rollback"])
async def test_a_run_that_stops_the_active_one_starts_pending(client, strategy: str) -> None:
    thread_id = await new_thread(client)
    busy = await client.runs.create(thread_id, "slow", input={"sleep": 30})
    await wait_for_run_status(client, thread_id, busy["run_id"], ("running",))
    run = await client.runs.create(
        thread_id, "slow", input={"sleep": 0}, multitask_strategy=strategy
    )
    assert run["status"] == "pending"
    assert (await client.runs.join(thread_id, run["run_id"]))["done"] is True


async def test_an_unknown_assistant_name_is_invalid_and_the_graphs_are_listed(client) -> None:
    thread_id = await new_thread(client)
    for call in (
        client.runs.create(thread_id, "no-such-graph", input={}),
        client.runs.wait(None, "no-such-graph", input={}),
    ):
        with pytest.raises(httpx.HTTPStatusError) as refused:
            await call
        assert refused.value.response.status_code == 422
        detail = refused.value.response.json()["detail"]
        assert detail.startswith(
            "Invalid assistant: 'no-such-graph'. Must be either:\n"
            "- A valid assistant UUID, or\n"
            "- One of the registered graphs: echo, steps, slow,"
        )
    assert await client.runs.list(thread_id) == []
