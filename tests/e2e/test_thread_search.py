"""Thread search and count by status, values and state time."""

from __future__ import annotations

import uuid

import pytest
from langgraph_sdk.errors import UnprocessableEntityError

pytestmark = pytest.mark.e2e


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
