"""Runs through the SDK: background runs and join, wait, stateless runs,
get, list, cancel, delete, failures and multitasking on a busy thread."""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
import pytest
from langgraph_sdk.errors import ConflictError, NotFoundError

from e2e_support import eventually, new_thread, wait_for_run_status

pytestmark = pytest.mark.e2e


async def test_a_background_run_can_be_joined_for_its_result(client) -> None:
    thread_id = await new_thread(client)
    run = await client.runs.create(thread_id, "steps", input={}, metadata={"source": "test"})
    assert run["thread_id"] == thread_id
    assert run["status"] in ("pending", "running", "success")
    assert run["metadata"] == {"source": "test"}
    result = await client.runs.join(thread_id, run["run_id"])
    assert result["steps"] == ["one", "two", "three"]
    finished = await client.runs.get(thread_id, run["run_id"])
    assert finished["status"] == "success"
    assert finished["assistant_id"] == (await client.assistants.get("steps"))["assistant_id"]


async def test_joining_a_finished_run_returns_its_result_again(client) -> None:
    thread_id = await new_thread(client)
    run = await client.runs.create(thread_id, "echo", input={"value": "x"})
    await client.runs.join(thread_id, run["run_id"])
    assert (await client.runs.join(thread_id, run["run_id"]))["value"] == "x"


async def test_wait_returns_the_final_values_and_leaves_the_thread_idle(client) -> None:
    thread_id = await new_thread(client)
    result = await client.runs.wait(
        thread_id, "echo", input={"messages": [{"role": "user", "content": "hello"}]}
    )
    assert [m["type"] for m in result["messages"]] == ["human", "ai"]
    assert result["messages"][-1]["content"] == "hello"
    thread = await client.threads.get(thread_id)
    assert thread["status"] == "idle"
    assert thread["values"]["messages"][-1]["content"] == "hello"


async def test_wait_tells_where_the_run_lives(server_url: str, client) -> None:
    thread_id = await new_thread(client)
    async with httpx.AsyncClient(base_url=server_url, timeout=10) as http:
        response = await http.post(
            f"/threads/{thread_id}/runs/wait", json={"assistant_id": "echo", "input": {"value": 1}}
        )
    assert response.status_code == 200
    location = response.headers["content-location"]
    run_id = location.rsplit("/", 1)[-1]
    assert location == f"/threads/{thread_id}/runs/{run_id}"
    assert (await client.runs.get(thread_id, run_id))["status"] == "success"


async def test_a_stateless_run_waits_for_its_result_on_a_temporary_thread(client) -> None:
    result = await client.runs.wait(None, "steps", input={})
    assert result["steps"] == ["one", "two", "three"]


async def test_a_stateless_run_streams_its_values(client) -> None:
    parts = [
        p async for p in client.runs.stream(None, "echo", input={"value": 3}, stream_mode="values")
    ]
    assert parts[0].event == "metadata"
    assert parts[-1].event == "values"
    assert parts[-1].data["value"] == 3


async def test_a_stateless_background_run_can_be_joined(client) -> None:
    run = await client.runs.create(None, "echo", input={"value": "bg"})
    result = await client.runs.join(run["thread_id"], run["run_id"])
    assert result["value"] == "bg"


async def test_runs_on_a_thread_are_listed_newest_first(client) -> None:
    thread_id = await new_thread(client)
    first = await client.runs.create(thread_id, "echo", input={"value": 1})
    await client.runs.join(thread_id, first["run_id"])
    second = await client.runs.create(thread_id, "echo", input={"value": 2})
    await client.runs.join(thread_id, second["run_id"])
    runs = await client.runs.list(thread_id)
    assert [r["run_id"] for r in runs] == [second["run_id"], first["run_id"]]
    assert [r["run_id"] for r in await client.runs.list(thread_id, limit=1)] == [second["run_id"]]
    assert [r["run_id"] for r in await client.runs.list(thread_id, limit=1, offset=1)] == [
        first["run_id"]
    ]
    assert len(await client.runs.list(thread_id, status="success")) == 2
    assert await client.runs.list(thread_id, status="error") == []


async def test_cancelling_a_slow_run_interrupts_it_within_a_second(client) -> None:
    thread_id = await new_thread(client)
    run = await client.runs.create(thread_id, "slow", input={"sleep": 30})
    await wait_for_run_status(client, thread_id, run["run_id"], ("running",))
    started = time.monotonic()
    await client.runs.cancel(thread_id, run["run_id"])
    cancelled = await wait_for_run_status(client, thread_id, run["run_id"], timeout=5)
    assert cancelled["status"] == "interrupted"
    assert time.monotonic() - started < 1.5
    # interrupted if it had checkpointed (see the test below), but no longer busy
    assert (await client.threads.get(thread_id))["status"] in ("idle", "interrupted")
    # the thread takes new runs at once
    result = await client.runs.wait(
        thread_id, "slow", input={"sleep": 0, "value": "next"}, multitask_strategy="reject"
    )
    assert result["value"] == "next"


async def test_cancel_with_wait_returns_once_the_run_has_stopped(client) -> None:
    thread_id = await new_thread(client)
    run = await client.runs.create(thread_id, "slow", input={"sleep": 30})
    await wait_for_run_status(client, thread_id, run["run_id"], ("running",))
    # As upstream: what join answers for it (a stopped run left no result).
    assert await asyncio.wait_for(client.runs.cancel(thread_id, run["run_id"], wait=True), 5) == {}
    assert (await client.runs.get(thread_id, run["run_id"]))["status"] == "interrupted"


async def test_cancel_answers_as_the_official_server(client, server_url: str) -> None:
    """202 with no body; with wait, 200 and the run's result, located as join's."""
    thread_id = await new_thread(client)
    path = f"/threads/{thread_id}/runs"
    async with httpx.AsyncClient(base_url=server_url, timeout=10) as http:
        for wait in ("false", "true"):
            run = await client.runs.create(thread_id, "slow", input={"sleep": 30})
            answer = await http.post(f"{path}/{run['run_id']}/cancel", params={"wait": wait})
            if wait == "false":
                assert (answer.status_code, answer.content) == (202, b"")
            else:
                assert (answer.status_code, answer.json()) == (200, {})
                assert answer.headers["content-type"] == "application/json"
                assert answer.headers["location"] == f"{path}/{run['run_id']}/join"
                assert answer.headers["content-location"] == f"{path}/{run['run_id']}"


async def test_a_cancelled_run_leaves_its_thread_as_its_last_checkpoint_says(client) -> None:
    """As upstream: `interrupt` keeps what the run checkpointed, and the node it
    stopped in is still to run (interrupted); `rollback` erases the run, the
    thread is as before it."""
    before = {"sleep": 0, "value": 1, "done": True}
    for action, status, values in (
        ("interrupt", "interrupted", {**before, "sleep": 30, "value": 7}),
        ("rollback", "idle", before),
    ):
        thread_id = await new_thread(client)
        await client.runs.wait(thread_id, "slow", input={"sleep": 0, "value": 1})
        run = await client.runs.create(thread_id, "slow", input={"sleep": 30, "value": 7})
        # awaited within the iteration: the lambdas see this iteration's values
        await eventually(
            lambda: client.threads.get_state(thread_id),  # noqa: B023
            lambda state: state["metadata"]["run_id"] == run["run_id"],  # noqa: B023
        )
        await client.runs.cancel(thread_id, run["run_id"], wait=True, action=action)
        thread = await client.threads.get(thread_id)
        assert (thread["status"], thread["values"]) == (status, values)
        state = await client.threads.get_state(thread_id)
        assert state["values"] == values
        assert state["next"] == (["nap"] if action == "interrupt" else [])


async def test_a_pending_run_can_be_cancelled_before_it_starts(client) -> None:
    thread_id = await new_thread(client)
    busy = await client.runs.create(thread_id, "slow", input={"sleep": 30})
    queued = await client.runs.create(
        thread_id, "echo", input={"value": "never"}, multitask_strategy="enqueue"
    )
    await client.runs.cancel(thread_id, queued["run_id"])
    await client.runs.cancel(thread_id, busy["run_id"])
    assert (await client.runs.get(thread_id, queued["run_id"]))["status"] == "interrupted"
    await wait_for_run_status(client, thread_id, busy["run_id"])
    # interrupted if `busy` had checkpointed before its cancel
    assert (await client.threads.get(thread_id))["status"] in ("idle", "interrupted")
    await asyncio.sleep(0.3)
    assert (await client.runs.get(thread_id, queued["run_id"]))["status"] == "interrupted"
    assert (await client.threads.get_state(thread_id))["values"].get("value") != "never"


async def test_cancelling_a_finished_run_is_not_found_as_upstream(client) -> None:
    thread_id = await new_thread(client)
    run = await client.runs.create(thread_id, "echo", input={})
    await client.runs.join(thread_id, run["run_id"])
    with pytest.raises(NotFoundError) as refused:
        await client.runs.cancel(thread_id, run["run_id"])
    assert "already finished with status 'success'" in refused.value.response.json()["detail"]
    assert (await client.runs.get(thread_id, run["run_id"]))["status"] == "success"


async def test_a_deleted_run_is_gone(client) -> None:
    thread_id = await new_thread(client)
    run = await client.runs.create(thread_id, "echo", input={})
    await client.runs.join(thread_id, run["run_id"])
    await client.runs.delete(thread_id, run["run_id"])
    with pytest.raises(NotFoundError):
        await client.runs.get(thread_id, run["run_id"])
    assert await client.runs.list(thread_id) == []


async def test_an_active_run_cannot_be_deleted(client) -> None:
    thread_id = await new_thread(client)
    run = await client.runs.create(thread_id, "slow", input={"sleep": 30})
    with pytest.raises(httpx.HTTPStatusError) as refused:
        await client.runs.delete(thread_id, run["run_id"])
    assert 400 <= refused.value.response.status_code < 500
    assert run["run_id"] in refused.value.response.json()["detail"]
    await client.runs.cancel(thread_id, run["run_id"], wait=True)


async def test_a_run_is_only_found_on_its_own_thread(client) -> None:
    thread_id = await new_thread(client)
    other = await new_thread(client)
    run = await client.runs.create(thread_id, "echo", input={})
    with pytest.raises(NotFoundError):
        await client.runs.get(other, run["run_id"])
    with pytest.raises(NotFoundError):
        await client.runs.get(thread_id, str(uuid.uuid4()))
    await client.runs.join(thread_id, run["run_id"])


async def test_a_failing_graph_marks_the_run_and_thread_as_errored(client) -> None:
    thread_id = await new_thread(client)
    run = await client.runs.create(thread_id, "failing", input={})
    result = await client.runs.join(thread_id, run["run_id"])
    assert result["__error__"]["error"] == "ValueError"
    assert result["__error__"]["message"] == "boom"
    assert (await client.runs.get(thread_id, run["run_id"]))["status"] == "error"
    assert (await client.threads.get(thread_id))["status"] == "error"


async def test_the_server_stays_healthy_after_a_graph_fails(client, server_url: str) -> None:
    for _ in range(3):
        await client.runs.wait(None, "failing", input={}, raise_error=False)
    async with httpx.AsyncClient(base_url=server_url) as http:
        assert (await http.get("/ok")).status_code == 200
    assert (await client.runs.wait(None, "echo", input={"value": "fine"}))["value"] == "fine"


async def test_a_thread_recovers_from_an_error_with_the_next_run(client) -> None:
    thread_id = await new_thread(client)
    await client.runs.wait(thread_id, "failing", input={}, raise_error=False)
    await client.runs.wait(thread_id, "echo", input={"value": "ok"})
    assert (await client.threads.get(thread_id))["status"] == "idle"


# -- multitasking -------------------------------------------------------------


async def test_a_second_run_on_a_busy_thread_is_rejected_with_reject(client) -> None:
    thread_id = await new_thread(client)
    busy = await client.runs.create(thread_id, "slow", input={"sleep": 30})
    with pytest.raises(ConflictError):
        await client.runs.create(
            thread_id, "echo", input={"value": "second"}, multitask_strategy="reject"
        )
    assert [r["run_id"] for r in await client.runs.list(thread_id)] == [busy["run_id"]]
    assert (await client.threads.get(thread_id))["status"] == "busy"
    created = [
        e
        for e in await client.http.get(f"/threads/{thread_id}/events")
        if e["type"] == "run.created"
    ]
    assert [e["data"]["run_id"] for e in created] == [busy["run_id"]]
    await client.runs.cancel(thread_id, busy["run_id"], wait=True)


async def test_enqueued_runs_execute_one_after_another_in_order(client) -> None:
    thread_id = await new_thread(client)
    runs = [
        await client.runs.create(
            thread_id, "steps", input={"delay": 0.05}, multitask_strategy="enqueue"
        )
        for _ in range(3)
    ]
    seen_active: list[int] = []

    async def watch() -> None:
        while True:
            listed = await client.runs.list(thread_id)
            seen_active.append(sum(r["status"] == "running" for r in listed))
            await asyncio.sleep(0.02)

    watcher = asyncio.create_task(watch())
    results = [await client.runs.join(thread_id, r["run_id"]) for r in runs]
    watcher.cancel()
    assert [len(r["steps"]) for r in results] == [3, 6, 9]
    assert max(seen_active) <= 1
    statuses = [(await client.runs.get(thread_id, r["run_id"]))["status"] for r in runs]
    assert statuses == ["success"] * 3
    # the log proves it: each run starts only after the one before it ended
    log = [
        (e["type"], e["data"].get("run_id"))
        for e in await client.http.get(f"/threads/{thread_id}/events", params={"limit": 1000})
        if e["type"] in ("run.started", "run.succeeded")
    ]
    assert log == [(kind, r["run_id"]) for r in runs for kind in ("run.started", "run.succeeded")]


async def test_interrupt_strategy_stops_the_active_run_and_starts_the_new_one(client) -> None:
    thread_id = await new_thread(client)
    busy = await client.runs.create(thread_id, "slow", input={"sleep": 30})
    await wait_for_run_status(client, thread_id, busy["run_id"], ("running",))
    result = await asyncio.wait_for(
        client.runs.wait(
            thread_id, "slow", input={"sleep": 0, "value": "new"}, multitask_strategy="interrupt"
        ),
        10,
    )
    assert result["value"] == "new"
    assert (await client.runs.get(thread_id, busy["run_id"]))["status"] == "interrupted"


async def test_rollback_strategy_discards_the_active_run_and_its_state(client) -> None:
    thread_id = await new_thread(client)
    busy = await client.runs.create(thread_id, "slow", input={"sleep": 30, "value": "old"})
    await wait_for_run_status(client, thread_id, busy["run_id"], ("running",))
    result = await asyncio.wait_for(
        client.runs.wait(thread_id, "slow", input={"sleep": 0}, multitask_strategy="rollback"), 10
    )
    assert result["done"] is True
    runs = await client.runs.list(thread_id)
    assert busy["run_id"] not in [r["run_id"] for r in runs]
    assert "value" not in result


@pytest.mark.parametrize("strategy", ["interrupt", "rollback"])
async def test_a_stream_following_a_queued_run_ends_when_a_new_run_cancels_it(
    client, strategy: str
) -> None:
    thread_id = await new_thread(client)
    busy = await client.runs.create(thread_id, "slow", input={"sleep": 30})
    await wait_for_run_status(client, thread_id, busy["run_id"], ("running",))
    queued = await client.runs.create(
        thread_id, "slow", input={"sleep": 0}, multitask_strategy="enqueue"
    )
    following = asyncio.ensure_future(_events(client.runs.join_stream(thread_id, queued["run_id"])))
    await asyncio.sleep(0.5)  # the stream is open before the cancel
    await client.runs.create(thread_id, "slow", input={"sleep": 0}, multitask_strategy=strategy)
    # the queued run never ran: its stream ends, empty, rather than waiting forever
    assert await asyncio.wait_for(following, 10) == []


async def _events(stream) -> list[str]:
    return [part.event async for part in stream]


async def test_a_stream_ends_when_its_run_is_cancelled(client) -> None:
    thread_id = await new_thread(client)
    stream = client.runs.stream(thread_id, "slow", input={"sleep": 30}, stream_mode="updates")
    first = await anext(stream)
    run_id = first.data["run_id"]
    await wait_for_run_status(client, thread_id, run_id, ("running",))
    await client.runs.cancel(thread_id, run_id)
    started = time.monotonic()
    rest = await asyncio.wait_for(_drain(stream), 5)
    assert time.monotonic() - started < 2
    assert "updates" not in [p.event for p in rest]
    assert (await client.runs.get(thread_id, run_id))["status"] == "interrupted"


async def _drain(stream) -> list:
    return [part async for part in stream]


async def test_joining_a_run_returns_once_it_is_cancelled(client) -> None:
    thread_id = await new_thread(client)
    run = await client.runs.create(thread_id, "slow", input={"sleep": 30})
    await wait_for_run_status(client, thread_id, run["run_id"], ("running",))
    join = asyncio.create_task(client.runs.join(thread_id, run["run_id"]))
    await asyncio.sleep(0.1)
    await client.runs.cancel(thread_id, run["run_id"])
    await asyncio.wait_for(join, 3)


async def test_disconnecting_a_stream_with_on_disconnect_cancel_stops_the_run(
    server_url: str, client
) -> None:
    thread_id = await new_thread(client)
    async with httpx.AsyncClient(base_url=server_url, timeout=10) as http:
        async with http.stream(
            "POST",
            f"/threads/{thread_id}/runs/stream",
            json={"assistant_id": "slow", "input": {"sleep": 30}, "on_disconnect": "cancel"},
        ) as response:
            async for line in response.aiter_lines():
                if line.startswith("data:"):
                    break
    runs = await client.runs.list(thread_id)
    finished = await wait_for_run_status(client, thread_id, runs[0]["run_id"], timeout=3)
    assert finished["status"] == "interrupted"


async def test_deleting_a_busy_thread_stops_its_run(client, counter_dir) -> None:
    thread_id = await new_thread(client)
    await client.runs.create(thread_id, "steps", input={"delay": 0.5})
    deadline = time.monotonic() + 5
    while not (counter_dir / f"{thread_id}.one").exists() and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    await client.threads.delete(thread_id)
    with pytest.raises(NotFoundError):
        await client.threads.get(thread_id)
    await asyncio.sleep(1.2)  # node `two` would have started after 0.5 s
    assert not (counter_dir / f"{thread_id}.two").exists()


async def test_concurrent_runs_racing_for_an_idle_thread_let_exactly_one_in(client) -> None:
    thread_id = await new_thread(client)
    attempts = await asyncio.gather(
        *[
            client.runs.create(thread_id, "slow", input={"sleep": 30}, multitask_strategy="reject")
            for _ in range(5)
        ],
        return_exceptions=True,
    )
    created = [a for a in attempts if isinstance(a, dict)]
    refused = [a for a in attempts if isinstance(a, ConflictError)]
    assert (len(created), len(refused)) == (1, 4), attempts
    assert [r["run_id"] for r in await client.runs.list(thread_id)] == [created[0]["run_id"]]
    await client.runs.cancel(thread_id, created[0]["run_id"], wait=True)


async def test_a_created_run_is_returned_as_it_is_stored(client) -> None:
    from datetime import datetime

    thread_id = await new_thread(client)
    created = await client.runs.create(thread_id, "slow", input={"sleep": 0.5}, metadata={"m": 1})
    stored = await client.runs.get(thread_id, created["run_id"])
    for key in ("run_id", "thread_id", "assistant_id", "metadata", "multitask_strategy", "kwargs"):
        assert created[key] == stored[key], key
    assert datetime.fromisoformat(created["created_at"]) == datetime.fromisoformat(
        stored["created_at"]
    )
    assert created["status"] in ("pending", "running")


async def test_a_run_with_after_seconds_starts_no_sooner(client) -> None:
    from datetime import datetime

    thread_id = await new_thread(client)
    run = await client.runs.create(thread_id, "echo", input={"messages": []}, after_seconds=1.5)
    assert (await client.runs.get(thread_id, run["run_id"]))["status"] == "pending"
    assert await asyncio.wait_for(client.runs.join(thread_id, run["run_id"]), 15) == {
        "messages": []
    }
    events = await client.http.get(f"/threads/{thread_id}/runs/{run['run_id']}/events")
    at = {e["type"]: datetime.fromisoformat(e["data"]["at"]) for e in events}
    assert (at["run.started"] - at["run.created"]).total_seconds() >= 1.5
