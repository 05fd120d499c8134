"""Checkpoint payloads as the Agent Server sends them."""

from __future__ import annotations

from duragraph.infrastructure.graphs.stream_modes import shaped

PAYLOAD = {
    "config": {
        "configurable": {
            "thread_id": "t",
            "checkpoint_ns": "",
            "checkpoint_id": "c2",
            "run_id": "r",
            "assistant_id": "a",
        }
    },
    "parent_config": {"configurable": {"thread_id": "t", "checkpoint_id": "c1"}},
    "values": {},
    "metadata": {"step": 1},
    "next": ["child"],
    "tasks": [
        {
            "id": "1",
            "name": "child",
            "state": {"configurable": {"thread_id": "t", "checkpoint_ns": "child:1"}},
        },
        {"id": "2", "name": "plain", "state": None},
    ],
}


def test_a_checkpoint_names_itself_and_its_parent_without_run_config() -> None:
    out = shaped("checkpoints", PAYLOAD)
    assert out["checkpoint"] == {"thread_id": "t", "checkpoint_ns": "", "checkpoint_id": "c2"}
    assert out["parent_checkpoint"] == {
        "thread_id": "t",
        "checkpoint_ns": "",
        "checkpoint_id": "c1",
    }
    assert out["config"] == PAYLOAD["config"]  # kept, as the Agent Server keeps it


def test_a_subgraph_task_names_its_checkpoint_instead_of_a_state_config() -> None:
    tasks = shaped("checkpoints", PAYLOAD)["tasks"]
    assert tasks[0] == {
        "id": "1",
        "name": "child",
        "checkpoint": {"thread_id": "t", "checkpoint_ns": "child:1"},
    }
    assert tasks[1] == {"id": "2", "name": "plain", "state": None}


def test_only_debug_checkpoint_entries_are_reshaped() -> None:
    debug = shaped("debug", {"type": "checkpoint", "step": 1, "payload": PAYLOAD})
    assert debug["payload"]["checkpoint"]["checkpoint_id"] == "c2"
    task = {"type": "task", "payload": {"id": "1"}}
    assert shaped("debug", task) == task
    assert shaped("updates", {"a": 1}) == {"a": 1}
