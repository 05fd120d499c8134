"""A graph made by a factory, on a thread: the thread's state routes build it
from its assistant's config, as a run does, so they know the nodes that
config adds (here `review`, which only `configurable.review` adds)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


async def _paused_before_review(client) -> str:
    assistant = await client.assistants.create("factory", config={"configurable": {"review": True}})
    thread = await client.threads.create()
    await client.runs.wait(
        thread["thread_id"],
        assistant["assistant_id"],
        input={"text": "hi"},
        interrupt_before=["review"],
    )
    return thread["thread_id"]


async def test_the_state_of_a_factory_graph_names_the_node_its_config_adds(client) -> None:
    thread_id = await _paused_before_review(client)
    state = await client.threads.get_state(thread_id)
    assert state["values"] == {"text": "hi", "result": "HI!"}
    assert state["next"] == ["review"]


async def test_update_state_as_a_node_the_assistant_config_adds(client) -> None:
    thread_id = await _paused_before_review(client)
    await client.threads.update_state(thread_id, {"result": "edited"}, as_node="review")
    state = await client.threads.get_state(thread_id)
    assert state["values"]["result"] == "edited"
    assert state["next"] == []
    history = await client.threads.get_history(thread_id)
    assert [h["next"] for h in history[:2]] == [[], ["review"]]


async def test_a_resumed_factory_run_goes_through_the_configured_node(client) -> None:
    thread_id = await _paused_before_review(client)
    state = await client.threads.get_state(thread_id)
    assistant_id = (await client.threads.get(thread_id))["metadata"]["assistant_id"]
    result = await client.runs.wait(thread_id, assistant_id, input=None)
    assert state["next"] == ["review"] and result["result"] == "HI! (reviewed)"
