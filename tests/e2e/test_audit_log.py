"""The audit log: a thread's and a run's domain events, in order, paged."""

from __future__ import annotations

import uuid

import httpx
import pytest
from langgraph_sdk.errors import NotFoundError

from e2e_support import new_thread

pytestmark = pytest.mark.e2e


async def run_events(client, thread_id: str, run_id: str, **params) -> list[dict]:
    return await client.http.get(f"/threads/{thread_id}/runs/{run_id}/events", params=params)


async def test_a_run_log_tells_its_lifecycle_in_order(client) -> None:
    thread_id = await new_thread(client)
    run = await client.runs.create(thread_id, "steps", input={})
    await client.runs.join(thread_id, run["run_id"])
    events = await run_events(client, thread_id, run["run_id"])
    types = [e["type"] for e in events]
    assert types[:2] == ["run.created", "run.started"]
    assert types[-1] == "run.succeeded"
    assert set(types[2:-1]) == {"run.step_completed"}
    assert events[1]["data"]["epoch"] == 1
    completed = [e["data"] for e in events if e["type"] == "run.step_completed"]
    # the input and __start__ steps come first, then one super-step per node
    assert [c["nodes"] for c in completed][-3:] == [["one"], ["two"], ["three"]]
    assert [c["step"] for c in completed] == sorted({c["step"] for c in completed})
    assert all(c["epoch"] == 1 and c["checkpoint_id"] for c in completed)
    positions = [e["position"] for e in events]
    assert positions == sorted(positions)
    assert all(e["data"]["run_id"] == run["run_id"] for e in events)
    assert events[-1]["data"]["values"] == {"steps": ["one", "two", "three"]}


async def test_an_interrupted_run_ends_its_log_with_run_interrupted(client) -> None:
    thread_id = await new_thread(client)
    run = await client.runs.create(thread_id, "interrupting", input={})
    await client.runs.join(thread_id, run["run_id"])
    types = [e["type"] for e in await run_events(client, thread_id, run["run_id"])]
    assert types[:2] == ["run.created", "run.started"]
    assert types[-1] == "run.interrupted"


async def test_a_failed_run_ends_its_log_with_run_failed(client) -> None:
    thread_id = await new_thread(client)
    run = await client.runs.create(thread_id, "failing", input={})
    await client.runs.join(thread_id, run["run_id"])
    events = await run_events(client, thread_id, run["run_id"])
    assert events[-1]["type"] == "run.failed"
    assert events[-1]["data"]["message"] == "boom"


async def test_the_run_log_pages_after_a_position(client) -> None:
    thread_id = await new_thread(client)
    run = await client.runs.create(thread_id, "steps", input={})
    await client.runs.join(thread_id, run["run_id"])
    everything = await run_events(client, thread_id, run["run_id"])
    first = await run_events(client, thread_id, run["run_id"], limit=3)
    rest = await run_events(
        client, thread_id, run["run_id"], after=first[-1]["position"], limit=100
    )
    assert first + rest == everything
    assert (
        await run_events(client, thread_id, run["run_id"], after=everything[-1]["position"]) == []
    )


async def test_a_thread_log_lists_the_thread_and_all_its_runs(client) -> None:
    thread_id = await new_thread(client, owner="ann")
    first = await client.runs.create(thread_id, "echo", input={})
    await client.runs.join(thread_id, first["run_id"])
    await client.threads.update(thread_id, metadata={"owner": "bo"})
    second = await client.runs.create(thread_id, "echo", input={})
    await client.runs.join(thread_id, second["run_id"])
    events = await client.http.get(f"/threads/{thread_id}/events")
    types = [e["type"] for e in events]
    assert types[0] == "thread.created"
    assert "thread.updated" in types
    assert types.count("run.created") == 2 and types.count("run.succeeded") == 2
    run_order = [e["data"]["run_id"] for e in events if e["type"] == "run.created"]
    assert run_order == [first["run_id"], second["run_id"]]
    assert types.index("thread.updated") > types.index("run.succeeded")


async def test_the_log_of_an_unknown_thread_or_run_is_not_found(client) -> None:
    thread_id = await new_thread(client)
    with pytest.raises(NotFoundError):
        await client.http.get(f"/threads/{uuid.uuid4()}/events")
    with pytest.raises(NotFoundError):
        await run_events(client, thread_id, str(uuid.uuid4()))


def actors(events: list[dict]) -> dict[str, dict]:
    """Each event type's actor (the last of that type's, when several)."""
    return {e["type"]: e["metadata"]["actor"] for e in events}


async def test_without_auth_a_request_acts_as_an_anonymous_user_and_the_run_as_the_executor(
    client,
) -> None:
    thread_id = await new_thread(client)
    run = await client.runs.create(thread_id, "echo", input={})
    await client.runs.join(thread_id, run["run_id"])
    by = actors(await client.http.get(f"/threads/{thread_id}/events"))
    anonymous = {"kind": "user", "identity": ""}
    assert by["thread.created"] == by["run.created"] == anonymous
    assert by["run.succeeded"] == {"kind": "system", "by": "executor"}


async def test_with_auth_the_log_names_alice_for_what_she_did_and_the_executor_for_her_run(
    alice, auth_server_url: str
) -> None:
    thread = await alice.threads.create()
    run = await alice.runs.create(thread["thread_id"], "echo", input={})
    await alice.runs.join(thread["thread_id"], run["run_id"])
    async with httpx.AsyncClient(
        base_url=auth_server_url, headers={"Authorization": "Bearer token-alice"}
    ) as http:
        response = await http.get(f"/threads/{thread['thread_id']}/events")
    response.raise_for_status()
    by = actors(response.json())
    assert by["thread.created"] == by["run.created"] == {"kind": "user", "identity": "alice"}
    assert by["run.succeeded"] == {"kind": "system", "by": "executor", "on_behalf_of": "alice"}
