"""The stream modes beyond state and tokens, shaped as the Agent Server sends
them: `events` (LangChain astream_events v2), `debug`, `tasks`, `checkpoints`,
and subgraph chunks under namespaced event names."""

from __future__ import annotations

import pytest

from e2e_support import collect, new_thread, of

pytestmark = pytest.mark.e2e

REPLY = "Hello from the fake model"  # tests/graphs/chat.py


async def test_events_mode_streams_langchain_runnable_events(client) -> None:
    thread_id = await new_thread(client)
    parts = await collect(
        client,
        thread_id,
        "chat",
        stream_mode="events",
        input={"messages": [{"role": "user", "content": "hi"}]},
    )
    events = of(parts, "events")
    assert {e["event"] for e in events} >= {
        "on_chain_start",
        "on_chain_end",
        "on_chat_model_start",
        "on_chat_model_stream",
        "on_chat_model_end",
    }
    for event in events:
        assert {"event", "name", "run_id", "tags", "metadata", "data", "parent_ids"} <= set(event)
    assert events[0]["event"] == "on_chain_start" and events[0]["parent_ids"] == []
    assert events[-1]["event"] == "on_chain_end" and events[-1]["run_id"] == events[0]["run_id"]
    tokens = [e["data"]["chunk"]["content"] for e in events if e["event"] == "on_chat_model_stream"]
    assert "".join(tokens) == REPLY
    assert all(e["metadata"]["thread_id"] == thread_id for e in events)


async def test_events_mode_can_be_combined_with_other_modes(client) -> None:
    thread_id = await new_thread(client)
    parts = await collect(client, thread_id, "steps", input={}, stream_mode=["events", "updates"])
    assert of(parts, "updates") == [
        {"one": {"steps": ["one"]}},
        {"two": {"steps": ["two"]}},
        {"three": {"steps": ["three"]}},
    ]
    names = {e["name"] for e in of(parts, "events") if e["event"] == "on_chain_start"}
    assert {"one", "two", "three"} <= names


async def test_debug_mode_streams_checkpoints_tasks_and_task_results(client) -> None:
    thread_id = await new_thread(client)
    parts = await collect(client, thread_id, "steps", input={}, stream_mode="debug")
    debug = of(parts, "debug")
    assert [d["type"] for d in debug] == (
        ["checkpoint"] * 2 + ["task", "task_result", "checkpoint"] * 3
    )
    assert all({"type", "step", "timestamp", "payload"} <= set(d) for d in debug)
    results = [d["payload"] for d in debug if d["type"] == "task_result"]
    assert [(r["name"], r["result"], r["error"]) for r in results] == [
        ("one", {"steps": ["one"]}, None),
        ("two", {"steps": ["two"]}, None),
        ("three", {"steps": ["three"]}, None),
    ]
    last = debug[-1]["payload"]
    assert last["values"] == {"steps": ["one", "two", "three"]}
    assert last["checkpoint"]["thread_id"] == thread_id
    state = await client.threads.get_state(thread_id)
    assert last["checkpoint"]["checkpoint_id"] == state["checkpoint"]["checkpoint_id"]
    assert (
        last["parent_checkpoint"]["checkpoint_id"]
        == debug[-4]["payload"]["checkpoint"]["checkpoint_id"]
    )


async def test_tasks_mode_streams_each_task_start_and_result(client) -> None:
    thread_id = await new_thread(client)
    parts = await collect(client, thread_id, "steps", input={}, stream_mode="tasks")
    tasks = of(parts, "tasks")
    assert [(t["name"], "result" in t) for t in tasks] == [
        ("one", False),
        ("one", True),
        ("two", False),
        ("two", True),
        ("three", False),
        ("three", True),
    ]
    assert tasks[0]["id"] == tasks[1]["id"]
    assert tasks[2]["input"] == {"steps": ["one"]}
    assert tasks[5]["result"] == {"steps": ["three"]} and tasks[5]["error"] is None


async def test_checkpoints_mode_streams_every_checkpoint_the_thread_keeps(client) -> None:
    thread_id = await new_thread(client)
    parts = await collect(client, thread_id, "steps", input={}, stream_mode="checkpoints")
    checkpoints = of(parts, "checkpoints")
    assert [c["metadata"]["step"] for c in checkpoints] == [-1, 0, 1, 2, 3]
    assert [c["next"] for c in checkpoints] == [["__start__"], ["one"], ["two"], ["three"], []]
    history = await client.threads.get_history(thread_id, limit=10)
    assert [c["checkpoint"]["checkpoint_id"] for c in reversed(checkpoints)] == [
        h["checkpoint"]["checkpoint_id"] for h in history
    ]
    assert checkpoints[0]["parent_checkpoint"] is None
    assert checkpoints[1]["parent_checkpoint"] == checkpoints[0]["checkpoint"]


async def test_subgraph_chunks_of_every_mode_carry_the_subgraph_namespace(client) -> None:
    thread_id = await new_thread(client)
    parts = await collect(
        client,
        thread_id,
        "subgraph",
        input={},
        stream_subgraphs=True,
        stream_mode=["updates", "tasks", "checkpoints", "debug"],
    )
    nested = {p.event.split("|")[0] for p in parts if "|" in p.event}
    assert nested == {"updates", "tasks", "checkpoints", "debug"}
    namespaces = {p.event.split("|", 1)[1] for p in parts if "|" in p.event}
    assert len(namespaces) == 1 and namespaces.pop().startswith("child:")
    nested_tasks = [p.data["name"] for p in parts if p.event.startswith("tasks|")]
    assert nested_tasks == ["inner_one", "inner_one", "inner_two", "inner_two"]
    root_tasks = [d["name"] for d in of(parts, "tasks")]
    assert root_tasks == ["before", "before", "child", "child", "after", "after"]
    child_task = next(
        t for c in of(parts, "checkpoints") for t in c["tasks"] if t["name"] == "child"
    )
    assert child_task["checkpoint"]["checkpoint_ns"].startswith("child:")
    assert "state" not in child_task
