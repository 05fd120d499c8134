"""Run streams start with `metadata`, for whoever joins them and whenever;
the metadata of streamed messages names the server as the official one does."""

from __future__ import annotations

from importlib.metadata import version

import pytest

from duragraph import __version__
from e2e_support import new_thread, wait_for_run_status

pytestmark = pytest.mark.e2e

HELLO = {"messages": [{"role": "user", "content": "hi"}]}


async def _events(parts) -> list:
    return [(part.event, part.data) async for part in parts]


async def test_joining_a_resumable_run_from_its_start_replays_its_metadata_first(client) -> None:
    thread_id = await new_thread(client)
    run = await client.runs.create(
        thread_id, "steps", input={}, stream_resumable=True, stream_mode="updates"
    )
    await wait_for_run_status(client, thread_id, run["run_id"], ("success",))
    events = await _events(client.runs.join_stream(thread_id, run["run_id"], last_event_id="-1"))
    assert events[0] == ("metadata", {"run_id": run["run_id"], "attempt": 1})
    assert [e for e, _ in events[1:]] == ["updates"] * 3


async def test_rejoining_a_running_run_starts_with_its_metadata(client) -> None:
    thread_id = await new_thread(client)
    run = await client.runs.create(thread_id, "steps", input={"delay": 0.5}, stream_mode="values")
    await wait_for_run_status(client, thread_id, run["run_id"], ("running",))
    events = await _events(client.runs.join_stream(thread_id, run["run_id"]))
    assert events[0] == ("metadata", {"run_id": run["run_id"], "attempt": 1})
    assert events[-1][1]["steps"] == ["one", "two", "three"]


async def test_a_streamed_message_carries_the_metadata_the_official_server_adds(
    client, server_url: str
) -> None:
    thread_id = await new_thread(client)
    metadata = None
    async for part in client.runs.stream(
        thread_id, "chat", input=HELLO, stream_mode="messages-tuple"
    ):
        if part.event == "messages":
            metadata = part.data[1]
    assert metadata is not None
    assert {
        k: metadata.get(k)
        for k in (
            "created_by",
            "graph_id",
            "run_attempt",
            "langgraph_version",
            "langgraph_api_version",
            "langgraph_host",
            "langgraph_api_url",
            "thread_id",
        )
    } == {
        "created_by": "system",
        "graph_id": "chat",
        "run_attempt": 1,
        "langgraph_version": version("langgraph"),
        "langgraph_api_version": __version__,
        "langgraph_host": "self-hosted",
        "langgraph_api_url": server_url,
        "thread_id": thread_id,
    }
