"""Thread state, history and the `debug` stream in the Agent Server's shape,
and messages that keep the id they are stored under wherever they are seen."""

from __future__ import annotations

from typing import Any

import pytest

from e2e_support import collect, new_thread, of

pytestmark = pytest.mark.e2e

STATE_KEYS = {
    "values",
    "next",
    "tasks",
    "checkpoint",
    "metadata",
    "created_at",
    "parent_checkpoint",
    "interrupts",
    "checkpoint_id",
    "parent_checkpoint_id",
}
TASK_KEYS = {"id", "name", "path", "error", "interrupts", "checkpoint", "state", "result"}
ROOT_CHECKPOINT_KEYS = {"thread_id", "checkpoint_ns", "checkpoint_id"}


async def _waiting_in_a_subgraph(client: Any) -> str:
    thread_id = await new_thread(client)
    await client.runs.wait(thread_id, "nested_interrupt", input={})
    return thread_id


def _assert_root_entry(entry: dict[str, Any], thread_id: str) -> None:
    assert set(entry) == STATE_KEYS
    assert set(entry["checkpoint"]) == ROOT_CHECKPOINT_KEYS
    assert entry["checkpoint_id"] == entry["checkpoint"]["checkpoint_id"]
    assert entry["metadata"]["thread_id"] == thread_id
    for task in entry["tasks"]:
        assert set(task) == TASK_KEYS and task["path"] == ["__pregel_pull", task["name"]]


async def test_state_and_history_have_the_agent_server_shape(client) -> None:
    thread_id = await _waiting_in_a_subgraph(client)
    state = await client.threads.get_state(thread_id)
    _assert_root_entry(state, thread_id)
    [task] = state["tasks"]
    # a subgraph task names its checkpoint by thread and namespace, nothing set to null
    assert task["checkpoint"] == {"thread_id": thread_id, "checkpoint_ns": f"child:{task['id']}"}
    assert [set(i) for i in state["interrupts"]] == [{"id", "value"}]
    history = await client.threads.get_history(thread_id)
    assert history[0]["checkpoint"] == state["checkpoint"]
    for entry in history:
        _assert_root_entry(entry, thread_id)
        parent = entry["parent_checkpoint"]
        assert entry["parent_checkpoint_id"] == (parent and parent["checkpoint_id"])
    assert history[-1]["parent_checkpoint"] is None
    inner = (await client.threads.get_state(thread_id, subgraphs=True))["tasks"][0]["state"]
    assert set(inner) == STATE_KEYS and inner["tasks"][0]["path"] == ["__pregel_pull", "ask"]
    assert set(inner["checkpoint"]) == ROOT_CHECKPOINT_KEYS | {"checkpoint_map"}


async def test_a_debug_checkpoint_equals_the_same_checkpoint_in_history(client) -> None:
    thread_id = await new_thread(client)
    parts = await collect(client, thread_id, "subgraph", input={}, stream_mode="debug")
    streamed = [d["payload"] for d in of(parts, "debug") if d["type"] == "checkpoint"]
    history = {
        h["checkpoint"]["checkpoint_id"]: h
        for h in await client.threads.get_history(thread_id, limit=100)
    }
    assert len(streamed) == len(history) == 5
    for payload in streamed:
        stored = history[payload["checkpoint"]["checkpoint_id"]]
        for key in ("checkpoint", "parent_checkpoint", "values", "next"):
            assert payload[key] == stored[key], key
        assert [(t["id"], t["name"], t.get("checkpoint")) for t in payload["tasks"]] == [
            (t["id"], t["name"], t["checkpoint"]) for t in stored["tasks"]
        ]


async def test_a_copied_threads_history_names_the_copy(client) -> None:
    thread_id = await _waiting_in_a_subgraph(client)
    copy_id = (await client.threads.copy(thread_id))["thread_id"]
    history = await client.threads.get_history(copy_id)
    assert history
    for entry in history:
        _assert_root_entry(entry, copy_id)
        assert entry["checkpoint"]["thread_id"] == copy_id


def _messages(values: dict[str, Any]) -> list[tuple[str, str, str]]:
    # LangChain reads an AI message given as JSON back with extra additional_kwargs
    return [(m["id"], m["type"], m["content"]) for m in values["messages"]]


async def test_replaying_streamed_updates_into_a_new_thread_gives_the_same_state(client) -> None:
    thread_id = await new_thread(client)
    question = {"type": "human", "content": "add and divide", "id": "question"}
    parts = await collect(
        client,
        thread_id,
        "tool_calling",
        input={"messages": [question]},
        stream_mode=["updates", "values"],
    )
    updates = of(parts, "updates")
    state = await client.threads.get_state(thread_id)
    assert of(parts, "values")[-1] == state["values"]
    assert updates[-1]["tools"]["messages"] == state["values"]["messages"][-2:]
    replayed = await client.threads.create(
        graph_id="tool_calling",
        supersteps=[
            {"updates": [{"values": {"messages": [question]}, "as_node": "__start__"}]},
            *(
                {"updates": [{"values": values, "as_node": node}]}
                for update in updates
                for node, values in update.items()
            ),
        ],
    )
    again = await client.threads.get_state(replayed["thread_id"])
    assert _messages(again["values"]) == _messages(state["values"])
