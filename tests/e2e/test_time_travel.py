"""Runs that travel in time or steer the graph: starting from an earlier
checkpoint forks the thread; interrupt_before / interrupt_after pause it;
a command resumes, updates or jumps."""

from __future__ import annotations

import uuid

import httpx
import pytest
from langgraph_sdk.errors import ConflictError, NotFoundError

from e2e_support import new_thread, steps_thread

pytestmark = pytest.mark.e2e


async def test_a_run_from_an_earlier_checkpoint_forks_the_thread(client) -> None:
    thread_id, history = await steps_thread(client)
    after_one = history[2]  # values ["one"], next ["two"]
    result = await client.runs.wait(
        thread_id, "steps", input=None, checkpoint_id=after_one["checkpoint"]["checkpoint_id"]
    )
    assert result["steps"] == ["one", "two", "three"]
    forked = await client.threads.get_history(thread_id, limit=100)
    # LangGraph copies the chosen checkpoint as a `fork`, then two and three run again
    assert len(forked) == len(history) + 3
    assert [h["metadata"]["source"] for h in forked[:3]] == ["loop", "loop", "fork"]
    assert (
        forked[2]["parent_checkpoint"]["checkpoint_id"]
        == (after_one["checkpoint"]["checkpoint_id"])
    )
    assert forked[2]["values"] == after_one["values"]
    # the original branch is untouched
    old = await client.threads.get_state(thread_id, checkpoint=history[0]["checkpoint"])
    assert old["values"] == {"steps": ["one", "two", "three"]}
    assert (await client.threads.get(thread_id))["values"] == {"steps": ["one", "two", "three"]}


async def test_a_run_with_a_checkpoint_object_and_new_input_replays_from_there(client) -> None:
    thread_id, history = await steps_thread(client)
    start = history[-1]["checkpoint"]  # the empty checkpoint before the first input
    result = await client.runs.wait(thread_id, "steps", input={}, checkpoint=start)
    assert result["steps"] == ["one", "two", "three"]
    state = await client.threads.get_state(thread_id)
    assert state["values"] == {"steps": ["one", "two", "three"]}


async def test_a_run_from_an_unknown_checkpoint_is_not_found(client) -> None:
    thread_id, history = await steps_thread(client)
    runs_before = await client.runs.list(thread_id)
    with pytest.raises(httpx.HTTPStatusError) as refused:
        await client.runs.wait(thread_id, "steps", input=None, checkpoint_id=str(uuid.uuid4()))
    assert refused.value.response.status_code == 404
    with pytest.raises(NotFoundError):
        await client.runs.create(
            thread_id, "steps", input=None, checkpoint={"checkpoint_id": str(uuid.uuid4())}
        )
    assert await client.runs.list(thread_id) == runs_before
    assert len(await client.threads.get_history(thread_id, limit=100)) == len(history)


async def test_interrupt_after_a_node_pauses_behind_it(client) -> None:
    thread_id = await new_thread(client)
    await client.runs.wait(thread_id, "steps", input={}, interrupt_after=["one"])
    assert (await client.threads.get(thread_id))["status"] == "interrupted"
    state = await client.threads.get_state(thread_id)
    assert state["values"] == {"steps": ["one"]} and state["next"] == ["two"]
    result = await client.runs.wait(thread_id, "steps", input=None)
    assert result["steps"] == ["one", "two", "three"]


async def test_interrupt_before_all_nodes_pauses_at_each_step(client) -> None:
    thread_id = await new_thread(client)
    await client.runs.wait(thread_id, "steps", input={}, interrupt_before="*")
    assert (await client.threads.get_state(thread_id))["next"] == ["one"]
    await client.runs.wait(thread_id, "steps", input=None, interrupt_before="*")
    state = await client.threads.get_state(thread_id)
    assert state["values"] == {"steps": ["one"]} and state["next"] == ["two"]


async def test_a_command_with_update_and_goto_steers_the_graph(client) -> None:
    thread_id = await new_thread(client)
    await client.runs.wait(thread_id, "steps", input={}, interrupt_after=["one"])
    result = await client.runs.wait(
        thread_id, "steps", command={"update": {"steps": ["edited"]}, "goto": "three"}
    )
    assert result["steps"][:2] == ["one", "edited"]
    assert "three" in result["steps"]


async def test_a_command_resume_with_update_sets_state_and_answers(client) -> None:
    thread_id = await new_thread(client)
    await client.runs.wait(thread_id, "interrupting", input={})
    result = await client.runs.wait(
        thread_id, "interrupting", command={"resume": "Di", "update": {"question": "Name?"}}
    )
    assert result["question"] == "Name?"
    assert result["greeting"] == "Hello, Di!"


async def test_resuming_a_thread_that_is_not_interrupted_is_refused(client) -> None:
    thread_id, _history = await steps_thread(client)
    runs_before = await client.runs.list(thread_id)
    with pytest.raises(httpx.HTTPStatusError) as refused:
        await client.runs.wait(thread_id, "steps", command={"resume": "x"})
    assert refused.value.response.status_code == 409
    assert "not interrupted" in refused.value.response.json()["detail"]
    assert await client.runs.list(thread_id) == runs_before
    assert (await client.threads.get(thread_id))["status"] == "idle"
    fresh = await new_thread(client)
    with pytest.raises(ConflictError):
        await client.runs.create(fresh, "interrupting", command={"resume": "x"})
    assert await client.runs.list(fresh) == []
