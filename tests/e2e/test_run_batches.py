"""Batches of stateless runs (all or none) and cancelling many runs at once,
through the SDK's `runs.create_batch` and `runs.cancel_many`."""

from __future__ import annotations

import uuid

import httpx
import pytest
from langgraph_sdk.errors import NotFoundError, UnprocessableEntityError

from e2e_support import new_thread, wait_for_run_status

pytestmark = pytest.mark.e2e


async def _fresh_assistant(client) -> str:
    """An assistant of its own, so the threads a test creates can be found."""
    return (await client.assistants.create("echo", name=f"batch-{uuid.uuid4().hex[:8]}"))[
        "assistant_id"
    ]


async def _threads_of(client, assistant_id: str) -> list[dict]:
    return await client.threads.search(metadata={"assistant_id": assistant_id}, limit=100)


async def test_a_batch_creates_every_run_on_a_thread_of_its_own(client) -> None:
    assistant_id = await _fresh_assistant(client)
    runs = await client.runs.create_batch(
        [
            {"assistant_id": assistant_id, "input": {"value": i}, "on_completion": "keep"}
            for i in range(3)
        ]
    )
    assert len(runs) == 3
    assert len({r["thread_id"] for r in runs}) == 3
    results = [await client.runs.join(r["thread_id"], r["run_id"]) for r in runs]
    assert [r["value"] for r in results] == [0, 1, 2]
    assert len(await _threads_of(client, assistant_id)) == 3


async def test_a_batch_with_an_unknown_assistant_creates_nothing(client) -> None:
    assistant_id = await _fresh_assistant(client)
    with pytest.raises(NotFoundError) as raised:
        await client.runs.create_batch(
            [
                {"assistant_id": assistant_id, "input": {"value": 1}, "on_completion": "keep"},
                {"assistant_id": str(uuid.uuid4()), "input": {"value": 2}},
            ]
        )
    assert "assistant" in raised.value.response.json()["detail"]
    assert await _threads_of(client, assistant_id) == []


async def test_a_batch_with_one_malformed_run_is_refused_whole(server_url: str, client) -> None:
    assistant_id = await _fresh_assistant(client)
    async with httpx.AsyncClient(base_url=server_url, timeout=10) as http:
        response = await http.post(
            "/runs/batch",
            json=[
                {"assistant_id": assistant_id, "input": {}, "on_completion": "keep"},
                {"assistant_id": assistant_id, "multitask_strategy": "sometimes"},
            ],
        )
    assert response.status_code == 422
    assert "1.multitask_strategy" in response.json()["detail"]
    assert await _threads_of(client, assistant_id) == []


async def test_an_empty_batch_creates_nothing(client) -> None:
    assert await client.runs.create_batch([]) == []


async def _busy_thread(client) -> tuple[str, dict, dict]:
    """A thread running a long run with another one queued behind it."""
    thread_id = await new_thread(client)
    running = await client.runs.create(thread_id, "slow", input={"sleep": 30})
    await wait_for_run_status(client, thread_id, running["run_id"], ("running",))
    queued = await client.runs.create(
        thread_id, "slow", input={"sleep": 30}, multitask_strategy="enqueue"
    )
    return thread_id, running, queued


async def test_cancel_many_by_run_ids_interrupts_each_of_them(client) -> None:
    thread_id, running, queued = await _busy_thread(client)
    await client.runs.cancel_many(
        thread_id=thread_id, run_ids=[running["run_id"], queued["run_id"]]
    )
    for run in (running, queued):
        assert (await wait_for_run_status(client, thread_id, run["run_id"]))[
            "status"
        ] == "interrupted"
    # no longer busy: interrupted if the running one had checkpointed (its node
    # is still to run), as upstream
    assert (await client.threads.get(thread_id))["status"] in ("idle", "interrupted")


async def test_cancel_many_with_rollback_erases_the_runs(client) -> None:
    thread_id, running, queued = await _busy_thread(client)
    await client.runs.cancel_many(
        thread_id=thread_id, run_ids=[running["run_id"], queued["run_id"]], action="rollback"
    )
    assert await client.runs.list(thread_id) == []


async def test_cancel_many_by_status_pending_leaves_running_runs_alone(client) -> None:
    thread_id, running, queued = await _busy_thread(client)
    await client.runs.cancel_many(status="pending")
    assert (await client.runs.get(thread_id, queued["run_id"]))["status"] == "interrupted"
    assert (await client.runs.get(thread_id, running["run_id"]))["status"] == "running"
    await client.runs.cancel_many(status="all")
    assert (await wait_for_run_status(client, thread_id, running["run_id"]))[
        "status"
    ] == "interrupted"


async def test_cancel_many_naming_an_unknown_run_cancels_nothing(client) -> None:
    thread_id, running, queued = await _busy_thread(client)
    with pytest.raises(NotFoundError):
        await client.runs.cancel_many(
            thread_id=thread_id, run_ids=[queued["run_id"], str(uuid.uuid4())]
        )
    assert (await client.runs.get(thread_id, queued["run_id"]))["status"] == "pending"
    await client.runs.cancel_many(
        thread_id=thread_id, run_ids=[running["run_id"], queued["run_id"]]
    )


async def test_cancel_many_of_finished_runs_only_is_not_found_as_upstream(client) -> None:
    thread_id = (await client.threads.create())["thread_id"]
    run = await client.runs.create(thread_id, "echo", input={})
    await client.runs.join(thread_id, run["run_id"])
    with pytest.raises(NotFoundError) as refused:
        await client.runs.cancel_many(thread_id=thread_id, run_ids=[run["run_id"]])
    assert "No matching runs to cancel" in refused.value.response.json()["detail"]
    assert (await client.runs.get(thread_id, run["run_id"]))["status"] == "success"


async def test_cancel_many_without_a_selection_is_refused(client) -> None:
    with pytest.raises(UnprocessableEntityError) as raised:
        await client.runs.cancel_many(thread_id=str(uuid.uuid4()))
    assert "run_ids" in raised.value.response.json()["detail"]
