"""Thread state outside runs through the SDK: reading it at a checkpoint,
history filters, update_state (as a node, from a checkpoint) and its errors."""

from __future__ import annotations

import uuid

import pytest
from langgraph_sdk.errors import ConflictError, NotFoundError, UnprocessableEntityError

from e2e_support import new_thread, steps_thread, wait_for_run_status

pytestmark = pytest.mark.e2e


async def test_the_state_at_a_checkpoint_can_be_read_with_a_checkpoint_object(client) -> None:
    thread_id, history = await steps_thread(client)
    after_one = history[2]["checkpoint"]
    state = await client.threads.get_state(thread_id, checkpoint=after_one)
    assert state["values"] == {"steps": ["one"]}
    assert state["next"] == ["two"]
    assert state["checkpoint"]["checkpoint_id"] == after_one["checkpoint_id"]


async def test_an_unknown_checkpoint_is_not_found(client) -> None:
    thread_id, _ = await steps_thread(client)
    unknown = {"checkpoint_id": str(uuid.uuid4())}
    with pytest.raises(NotFoundError):
        await client.threads.get_state(thread_id, checkpoint=unknown)
    with pytest.raises(NotFoundError):
        await client.threads.get_state(thread_id, checkpoint_id=unknown["checkpoint_id"])


async def test_history_filters_by_metadata_and_checkpoint(client) -> None:
    thread_id, history = await steps_thread(client)
    loops = await client.threads.get_history(thread_id, metadata={"source": "loop"})
    assert [h["checkpoint"]["checkpoint_id"] for h in loops] == [
        h["checkpoint"]["checkpoint_id"] for h in history if h["metadata"]["source"] == "loop"
    ]
    assert len(loops) == 4  # input, one, two, three
    second = await client.threads.get_history(thread_id, metadata={"step": 1})
    assert [h["values"] for h in second] == [{"steps": ["one"]}]
    one = await client.threads.get_history(thread_id, checkpoint=history[1]["checkpoint"])
    assert [h["checkpoint"]["checkpoint_id"] for h in one] == [
        history[1]["checkpoint"]["checkpoint_id"]
    ]
    before = await client.threads.get_history(
        thread_id, before=history[0]["checkpoint"]["checkpoint_id"], limit=2
    )
    assert [h["checkpoint"]["checkpoint_id"] for h in before] == [
        h["checkpoint"]["checkpoint_id"] for h in history[1:3]
    ]


async def test_update_state_as_a_node_makes_the_next_node_run_next(client) -> None:
    thread = await client.threads.create(graph_id="steps")
    thread_id = thread["thread_id"]
    response = await client.threads.update_state(thread_id, {"steps": ["mine"]}, as_node="one")
    state = await client.threads.get_state(thread_id)
    assert state["checkpoint"]["checkpoint_id"] == response["checkpoint"]["checkpoint_id"]
    # The official reply: the new checkpoint, again under its deprecated names.
    assert response == {
        "checkpoint": state["checkpoint"],
        "configurable": state["checkpoint"],
        "checkpoint_id": state["checkpoint"]["checkpoint_id"],
    }
    assert state["values"] == {"steps": ["mine"]}
    assert state["next"] == ["two"]
    assert state["metadata"]["source"] == "update"
    fetched = await client.threads.get(thread_id)
    assert fetched["values"] == {"steps": ["mine"]}
    assert fetched["status"] == "interrupted"  # a task is pending
    result = await client.runs.wait(thread_id, "steps", input=None)
    assert result["steps"] == ["mine", "two", "three"]
    assert (await client.threads.get(thread_id))["status"] == "idle"


async def test_update_state_on_a_finished_thread_adds_a_checkpoint(client) -> None:
    thread_id, history = await steps_thread(client)
    await client.threads.update_state(thread_id, {"steps": ["extra"]})
    state = await client.threads.get_state(thread_id)
    assert state["values"] == {"steps": ["one", "two", "three", "extra"]}
    assert state["parent_checkpoint"]["checkpoint_id"] == history[0]["checkpoint"]["checkpoint_id"]
    thread = await client.threads.get(thread_id)
    assert thread["values"] == state["values"]
    assert thread["status"] == "idle"
    updates = await client.threads.get_history(thread_id, metadata={"source": "update"})
    assert len(updates) == 1


async def test_update_state_from_an_earlier_checkpoint_forks_the_thread(client) -> None:
    thread_id, history = await steps_thread(client)
    after_one = history[2]["checkpoint"]
    response = await client.threads.update_state(
        thread_id, {"steps": ["fork"]}, as_node="one", checkpoint=after_one
    )
    state = await client.threads.get_state(thread_id)
    assert state["checkpoint"]["checkpoint_id"] == response["checkpoint"]["checkpoint_id"]
    assert state["parent_checkpoint"]["checkpoint_id"] == after_one["checkpoint_id"]
    assert state["values"] == {"steps": ["one", "fork"]}
    assert state["next"] == ["two"]
    # the old branch is still there
    old = await client.threads.get_state(thread_id, checkpoint=history[0]["checkpoint"])
    assert old["values"] == {"steps": ["one", "two", "three"]}
    result = await client.runs.wait(thread_id, "steps", input=None)
    assert result["steps"] == ["one", "fork", "two", "three"]
    by_id = await client.threads.update_state(
        thread_id, {"steps": ["again"]}, checkpoint_id=after_one["checkpoint_id"], as_node="one"
    )
    assert (await client.threads.get_state(thread_id))["values"] == {"steps": ["one", "again"]}
    assert by_id["checkpoint"]["checkpoint_id"]


async def test_update_state_errors_leave_the_thread_unchanged(client) -> None:
    thread_id, history = await steps_thread(client)
    before = await client.threads.get(thread_id)
    with pytest.raises(UnprocessableEntityError) as bad_node:
        await client.threads.update_state(thread_id, {"steps": ["x"]}, as_node="nope")
    assert "nope" in bad_node.value.response.json()["detail"]
    with pytest.raises(NotFoundError):
        await client.threads.update_state(
            thread_id, {"steps": ["x"]}, checkpoint_id=str(uuid.uuid4())
        )
    with pytest.raises(NotFoundError):
        await client.threads.update_state(str(uuid.uuid4()), {"steps": ["x"]})
    assert len(await client.threads.get_history(thread_id, limit=100)) == len(history)
    after = await client.threads.get(thread_id)
    assert (after["values"], after["status"], after["updated_at"]) == (
        before["values"],
        before["status"],
        before["updated_at"],
    )


async def test_update_state_on_a_thread_without_a_graph_is_rejected(client) -> None:
    thread_id = await new_thread(client)
    with pytest.raises(UnprocessableEntityError) as error:
        await client.threads.update_state(thread_id, {"steps": ["x"]})
    assert "graph" in error.value.response.json()["detail"]
    assert await client.threads.get_history(thread_id) == []


async def test_update_state_while_a_run_is_active_is_a_conflict(client) -> None:
    thread_id = await new_thread(client)
    run = await client.runs.create(thread_id, "slow", input={"sleep": 2})
    await wait_for_run_status(client, thread_id, run["run_id"], ("running",))
    with pytest.raises(ConflictError):
        await client.threads.update_state(thread_id, {"value": 1})
    await client.runs.join(thread_id, run["run_id"])
    assert (await client.threads.get_state(thread_id))["values"].get("value") is None
    await client.threads.update_state(thread_id, {"value": 1})
    assert (await client.threads.get_state(thread_id))["values"]["value"] == 1


async def test_subgraph_state_and_history_are_readable_while_it_waits(client) -> None:
    thread_id = await new_thread(client)
    await client.runs.wait(thread_id, "nested_interrupt", input={})
    flat = await client.threads.get_state(thread_id)
    assert flat["next"] == ["child"]
    [task] = flat["tasks"]
    assert task["state"] is None and task["checkpoint"]["checkpoint_ns"].startswith("child:")
    nested = await client.threads.get_state(thread_id, subgraphs=True)
    inner = nested["tasks"][0]["state"]
    assert inner["next"] == ["ask"]
    assert [i["value"] for i in inner["interrupts"]] == ["Your name?"]
    at = await client.threads.get_state(thread_id, checkpoint=flat["checkpoint"], subgraphs=True)
    assert at["tasks"][0]["state"]["next"] == ["ask"]
    ns = task["checkpoint"]["checkpoint_ns"]
    child_history = await client.threads.get_history(thread_id, checkpoint={"checkpoint_ns": ns})
    assert child_history and all(h["checkpoint"]["checkpoint_ns"] == ns for h in child_history)
    root_history = await client.threads.get_history(thread_id)
    assert all(h["checkpoint"]["checkpoint_ns"] == "" for h in root_history)
    result = await client.runs.wait(thread_id, "nested_interrupt", command={"resume": "Eve"})
    assert result == {"steps": ["intro", "ask", "thank"], "answer": "Eve"}


async def test_a_thread_created_with_supersteps_starts_with_that_history(client) -> None:
    thread = await client.threads.create(
        graph_id="steps",
        supersteps=[
            {"updates": [{"values": {"steps": ["a"]}, "as_node": "one"}]},
            {"updates": [{"values": {"steps": ["b"]}, "as_node": "two"}]},
        ],
    )
    thread_id = thread["thread_id"]
    assert thread["values"] == {"steps": ["a", "b"]}
    assert thread["status"] == "interrupted"
    state = await client.threads.get_state(thread_id)
    assert state["values"] == {"steps": ["a", "b"]} and state["next"] == ["three"]
    history = await client.threads.get_history(thread_id)
    assert [h["values"] for h in history][:2] == [{"steps": ["a", "b"]}, {"steps": ["a"]}]
    result = await client.runs.wait(thread_id, "steps", input=None)
    assert result["steps"] == ["a", "b", "three"]


async def test_bad_supersteps_create_no_thread(client) -> None:
    for metadata, steps in (
        ({"graph_id": "steps"}, [{"updates": [{"values": {}, "as_node": "nope"}]}]),
        ({}, [{"updates": [{"values": {"steps": ["a"]}, "as_node": "one"}]}]),
    ):
        thread_id = str(uuid.uuid4())
        with pytest.raises(UnprocessableEntityError):
            await client.threads.create(thread_id=thread_id, metadata=metadata, supersteps=steps)
        with pytest.raises(NotFoundError):
            await client.threads.get(thread_id)
