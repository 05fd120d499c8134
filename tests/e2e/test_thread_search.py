"""Thread search and count by status, values and state time."""

from __future__ import annotations

import uuid

import pytest
from langgraph_sdk.errors import UnprocessableEntityError

pytestmark = pytest.mark.e2e

REPLY = "Hello from the fake model"  # what tests/graphs/chat.py answers


async def test_search_sorts_by_when_the_state_last_changed(client) -> None:
    mark = {"test": uuid.uuid4().hex}
    first = await client.threads.create(metadata=mark, graph_id="steps")
    second = await client.threads.create(metadata=mark, graph_id="steps")
    await client.threads.update_state(first["thread_id"], {"steps": ["a"]}, as_node="three")
    found = await client.threads.search(
        metadata=mark, sort_by="state_updated_at", sort_order="desc"
    )
    assert [t["thread_id"] for t in found] == [first["thread_id"], second["thread_id"]]
    assert found[0]["state_updated_at"] > found[1]["state_updated_at"]
    selected = await client.threads.search(metadata=mark, select=["thread_id", "state_updated_at"])
    assert all(set(t) == {"thread_id", "state_updated_at"} for t in selected)


async def test_count_and_search_filter_by_status_and_values(client) -> None:
    mark = {"test": uuid.uuid4().hex}
    paused = await client.threads.create(metadata=mark, graph_id="steps")
    await client.threads.update_state(paused["thread_id"], {"steps": ["x"]}, as_node="one")
    done = await client.threads.create(metadata=mark)
    await client.runs.wait(done["thread_id"], "steps", input={})
    assert await client.threads.count(metadata=mark, status="interrupted") == 1
    assert await client.threads.count(metadata=mark, values={"steps": ["x"]}) == 1
    hits = await client.threads.search(
        metadata=mark, status="idle", values={"steps": ["one", "two", "three"]}
    )
    assert [t["thread_id"] for t in hits] == [done["thread_id"]]
    page = await client.threads.search(
        metadata=mark, limit=1, offset=1, sort_by="created_at", sort_order="asc"
    )
    assert [t["thread_id"] for t in page] == [done["thread_id"]]


async def test_search_with_an_unknown_sort_or_status_is_rejected(client) -> None:
    with pytest.raises(UnprocessableEntityError):
        await client.threads.search(sort_by="colour")
    with pytest.raises(UnprocessableEntityError):
        await client.threads.search(status="sleeping")
    with pytest.raises(UnprocessableEntityError):
        await client.threads.count(status="sleeping")


async def test_a_long_chat_reads_and_searches_by_the_values_of_its_last_turn(client) -> None:
    """Each run's values are those of its outcome; a state update's replace
    them, and the next run's replace those."""
    mark = {"test": uuid.uuid4().hex}
    thread = (await client.threads.create(metadata=mark))["thread_id"]
    for turn in range(30):
        await client.runs.wait(thread, "chat", input={"messages": [("user", f"turn {turn}")]})
    state = (await client.threads.get_state(thread))["values"]
    assert len(state["messages"]) == 60
    assert (await client.threads.get(thread))["values"] == state
    selected = await client.threads.search(metadata=mark, select=["thread_id", "values"])
    assert selected == [{"thread_id": thread, "values": state}]
    for turn in ("turn 0", "turn 29"):
        hits = await client.threads.search(values={"messages": [{"content": turn}]}, metadata=mark)
        assert [t["thread_id"] for t in hits] == [thread]
    assert await client.threads.count(values={"messages": [{"content": "turn 30"}]}) == 0

    await client.threads.update_state(thread, {"messages": [("user", "edited")]})
    edited = (await client.threads.get_state(thread))["values"]
    assert (await client.threads.get(thread))["values"] == edited
    assert await client.threads.count(metadata=mark, values={"messages": [{"content": "edited"}]})
    await client.runs.wait(thread, "chat", input={"messages": [("user", "turn 30")]})
    last = (await client.threads.get(thread))["values"]
    assert last == (await client.threads.get_state(thread))["values"]
    assert [m["content"] for m in last["messages"][-3:]] == ["edited", "turn 30", REPLY]
    assert await client.threads.count(metadata=mark, values={"messages": [{"content": "turn 30"}]})
