"""What happens when a run ends or its client leaves: `on_completion` for
stateless runs (their temporary thread kept or deleted) and `on_disconnect`
for streaming and waiting clients (the run cancelled only if asked)."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from langgraph_sdk.errors import NotFoundError

from e2e_support import new_thread, wait_for_run_status

pytestmark = pytest.mark.e2e


async def test_a_stateless_run_deletes_its_thread_and_run_when_it_ends(client) -> None:
    run = await client.runs.create(None, "echo", input={"value": "gone"})
    assert (await client.runs.join(run["thread_id"], run["run_id"]))["value"] == "gone"
    with pytest.raises(NotFoundError):
        await client.threads.get(run["thread_id"])
    with pytest.raises(NotFoundError):
        await client.runs.get(run["thread_id"], run["run_id"])


async def test_a_stateless_run_with_on_completion_keep_leaves_its_thread(client) -> None:
    run = await client.runs.create(None, "echo", input={"value": "kept"}, on_completion="keep")
    await client.runs.join(run["thread_id"], run["run_id"])
    thread = await client.threads.get(run["thread_id"])
    assert (thread["status"], thread["values"]["value"]) == ("idle", "kept")
    assert [r["status"] for r in await client.runs.list(run["thread_id"])] == ["success"]


async def test_a_cancelled_stateless_run_deletes_its_thread_too(client) -> None:
    run = await client.runs.create(None, "slow", input={"sleep": 30})
    await wait_for_run_status(client, run["thread_id"], run["run_id"], ("running",))
    await client.runs.cancel(run["thread_id"], run["run_id"])
    with pytest.raises(NotFoundError):
        await client.threads.get(run["thread_id"])


async def test_a_failed_stateless_run_deletes_its_thread(client) -> None:
    run = await client.runs.create(None, "failing", input={})
    result = await client.runs.join(run["thread_id"], run["run_id"])
    assert "boom" in result["__error__"]["message"]
    with pytest.raises(NotFoundError):
        await client.threads.get(run["thread_id"])


async def _only_run(client, thread_id: str) -> dict:
    deadline = asyncio.get_running_loop().time() + 10
    while not (runs := await client.runs.list(thread_id)):
        assert asyncio.get_running_loop().time() < deadline, "no run was created"
        await asyncio.sleep(0.05)
    [run] = runs
    return run


async def test_a_waiting_client_leaving_cancels_a_run_that_asked_for_it(client) -> None:
    thread_id = await new_thread(client)
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(
            client.runs.wait(thread_id, "slow", input={"sleep": 30}, on_disconnect="cancel"), 1.5
        )
    run = await _only_run(client, thread_id)
    assert (await wait_for_run_status(client, thread_id, run["run_id"]))["status"] == "interrupted"


async def test_a_waiting_client_leaving_does_not_cancel_a_run_by_default(client) -> None:
    thread_id = await new_thread(client)
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(client.runs.wait(thread_id, "slow", input={"sleep": 2.5}), 1)
    run = await _only_run(client, thread_id)
    finished = await wait_for_run_status(client, thread_id, run["run_id"], timeout=20)
    assert finished["status"] == "success"


async def test_a_dropped_stream_does_not_cancel_its_run_by_default(client) -> None:
    thread_id = await new_thread(client)
    async for part in client.runs.stream(thread_id, "slow", input={"sleep": 2}):
        if part.event == "metadata":
            run_id = part.data["run_id"]
            break  # the client goes away, leaving the run
    finished = await wait_for_run_status(client, thread_id, run_id, timeout=20)
    assert finished["status"] == "success"
    assert (await client.threads.get(thread_id))["values"]["done"] is True


async def test_a_dropped_stateless_stream_with_on_disconnect_cancel_stops_its_run(client) -> None:
    created: list[dict] = []
    mark = {"mark": str(uuid.uuid4())}
    async for part in client.runs.stream(
        None,
        "slow",
        input={"sleep": 30},
        metadata=mark,
        on_disconnect="cancel",
        on_completion="keep",
        on_run_created=created.append,
    ):
        if part.event == "metadata":
            break
    [run] = created  # a stateless run is named without its thread, as upstream
    [thread] = await client.threads.search(metadata=mark)
    finished = await wait_for_run_status(client, thread["thread_id"], run["run_id"])
    assert finished["status"] == "interrupted"


async def test_a_stateless_run_can_be_joined_after_its_thread_is_gone(client) -> None:
    run = await client.runs.create(None, "echo", input={"value": "late"})
    await client.runs.join(run["thread_id"], run["run_id"])
    with pytest.raises(NotFoundError):
        await client.threads.get(run["thread_id"])
    assert (await client.runs.join(run["thread_id"], run["run_id"]))["value"] == "late"
    with pytest.raises(httpx.HTTPStatusError) as raised:  # not on another thread
        await client.runs.join(str(uuid.uuid4()), run["run_id"])
    assert raised.value.response.status_code == 404
