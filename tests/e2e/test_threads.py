"""Threads through the SDK: create, get, update, delete, search, count,
state and history."""

from __future__ import annotations

import uuid

import pytest
from langgraph_sdk.errors import ConflictError, NotFoundError

from e2e_support import new_thread

pytestmark = pytest.mark.e2e


def marker() -> dict[str, str]:
    return {"test": uuid.uuid4().hex}


async def test_a_new_thread_is_idle_with_its_metadata(client) -> None:
    thread = await client.threads.create(metadata={"user": "ann"})
    assert thread["status"] == "idle"
    assert thread["metadata"] == {"user": "ann"}
    fetched = await client.threads.get(thread["thread_id"])
    assert fetched == thread  # the creation's answer is the thread as stored


async def test_a_thread_can_be_created_with_a_chosen_id(client) -> None:
    thread_id = str(uuid.uuid4())
    thread = await client.threads.create(thread_id=thread_id)
    assert thread["thread_id"] == thread_id
    assert (await client.threads.get(thread_id))["thread_id"] == thread_id


async def test_creating_an_existing_thread_id_is_a_conflict(client) -> None:
    thread_id = str(uuid.uuid4())
    await client.threads.create(thread_id=thread_id, metadata={"n": 1})
    with pytest.raises(ConflictError):
        await client.threads.create(thread_id=thread_id, metadata={"n": 2}, if_exists="raise")
    assert (await client.threads.get(thread_id))["metadata"] == {"n": 1}


async def test_creating_an_existing_thread_with_do_nothing_returns_it_unchanged(client) -> None:
    thread_id = str(uuid.uuid4())
    await client.threads.create(thread_id=thread_id, metadata={"n": 1})
    again = await client.threads.create(
        thread_id=thread_id, metadata={"n": 2}, if_exists="do_nothing"
    )
    assert again["thread_id"] == thread_id
    assert again["metadata"] == {"n": 1}


async def test_updating_a_thread_merges_its_metadata(client) -> None:
    thread = await client.threads.create(metadata={"user": "ann", "topic": "a"})
    updated = await client.threads.update(
        thread["thread_id"], metadata={"topic": "b", "lang": "en"}
    )
    expected = {"user": "ann", "topic": "b", "lang": "en"}
    assert updated["metadata"] == expected
    assert (await client.threads.get(thread["thread_id"]))["metadata"] == expected


async def test_a_deleted_thread_is_gone(client) -> None:
    mark = marker()
    thread_id = await new_thread(client, **mark)
    await client.threads.delete(thread_id)
    with pytest.raises(NotFoundError):
        await client.threads.get(thread_id)
    assert await client.threads.search(metadata=mark) == []
    with pytest.raises(NotFoundError):
        await client.runs.create(thread_id, "echo", input={})


async def test_unknown_threads_are_not_found(client) -> None:
    unknown = str(uuid.uuid4())
    with pytest.raises(NotFoundError):
        await client.threads.get(unknown)
    with pytest.raises(NotFoundError):
        await client.threads.update(unknown, metadata={"a": 1})
    with pytest.raises(NotFoundError):
        await client.threads.delete(unknown)
    with pytest.raises(NotFoundError):
        await client.threads.get_state(unknown)
    with pytest.raises(NotFoundError):
        await client.threads.get_history(unknown)


async def test_search_filters_threads_by_metadata_and_pages(client) -> None:
    mark = marker()
    ids = [await new_thread(client, **mark, i=i) for i in range(3)]
    await new_thread(client, **marker())
    found = await client.threads.search(metadata=mark, limit=10)
    assert {t["thread_id"] for t in found} == set(ids)
    only = await client.threads.search(metadata={**mark, "i": 2})
    assert [t["thread_id"] for t in only] == [ids[2]]
    first = await client.threads.search(metadata=mark, limit=2)
    rest = await client.threads.search(metadata=mark, limit=2, offset=2)
    assert len(first) == 2 and len(rest) == 1
    assert {t["thread_id"] for t in first + rest} == set(ids)
    assert await client.threads.count(metadata=mark) == 3


async def test_search_filters_threads_by_status(client) -> None:
    mark = marker()
    idle = await new_thread(client, **mark)
    failed = await new_thread(client, **mark)
    await client.runs.wait(failed, "failing", input={}, raise_error=False)
    assert [t["thread_id"] for t in await client.threads.search(metadata=mark, status="error")] == [
        failed
    ]
    assert [t["thread_id"] for t in await client.threads.search(metadata=mark, status="idle")] == [
        idle
    ]
    assert await client.threads.count(metadata=mark, status="error") == 1


async def test_a_new_thread_has_an_empty_state(client) -> None:
    thread_id = await new_thread(client)
    state = await client.threads.get_state(thread_id)
    assert state["values"] == {}
    assert state["next"] == []
    assert await client.threads.get_history(thread_id) == []


async def test_the_thread_state_shows_the_values_of_its_last_run(client) -> None:
    thread_id = await new_thread(client)
    await client.runs.wait(thread_id, "steps", input={})
    state = await client.threads.get_state(thread_id)
    assert state["values"] == {"steps": ["one", "two", "three"]}
    assert state["next"] == []
    assert state["checkpoint"]["thread_id"] == thread_id
    assert state["checkpoint"]["checkpoint_id"]
    thread = await client.threads.get(thread_id)
    assert thread["status"] == "idle"
    assert thread["values"] == {"steps": ["one", "two", "three"]}


async def test_a_second_run_continues_from_the_thread_state(client) -> None:
    thread_id = await new_thread(client)
    await client.runs.wait(thread_id, "steps", input={})
    result = await client.runs.wait(thread_id, "steps", input={})
    assert result["steps"] == ["one", "two", "three"] * 2


async def test_history_lists_every_checkpoint_newest_first(client) -> None:
    thread_id = await new_thread(client)
    await client.runs.wait(thread_id, "steps", input={})
    history = await client.threads.get_history(thread_id, limit=10)
    # input, one, two, three, plus the empty starting checkpoint
    assert [len(h["values"].get("steps", [])) for h in history] == [3, 2, 1, 0, 0]
    assert history[0]["checkpoint"] == (await client.threads.get_state(thread_id))["checkpoint"]
    assert [h["next"] for h in history[:4]] == [[], ["three"], ["two"], ["one"]]
    limited = await client.threads.get_history(thread_id, limit=2)
    assert [h["checkpoint"]["checkpoint_id"] for h in limited] == [
        h["checkpoint"]["checkpoint_id"] for h in history[:2]
    ]
    older = await client.threads.get_history(thread_id, limit=10, before=history[1]["checkpoint"])
    assert [h["checkpoint"]["checkpoint_id"] for h in older] == [
        h["checkpoint"]["checkpoint_id"] for h in history[2:]
    ]


async def test_the_state_at_an_earlier_checkpoint_can_be_read(client) -> None:
    thread_id = await new_thread(client)
    await client.runs.wait(thread_id, "steps", input={})
    history = await client.threads.get_history(thread_id)
    earlier = await client.threads.get_state(
        thread_id, checkpoint_id=history[2]["checkpoint"]["checkpoint_id"]
    )
    assert earlier["values"] == {"steps": ["one"]}
    assert earlier["next"] == ["two"]


async def test_search_sorts_selects_and_finds_by_id_and_values(client) -> None:
    mark = marker()
    ids = [await new_thread(client, **mark) for _ in range(3)]
    await client.runs.wait(ids[1], "echo", input={"value": "needle"})
    ascending = await client.threads.search(metadata=mark, sort_by="created_at", sort_order="asc")
    assert [t["thread_id"] for t in ascending] == ids
    descending = await client.threads.search(metadata=mark, sort_by="created_at", sort_order="desc")
    assert [t["thread_id"] for t in descending] == ids[::-1]
    by_id = await client.threads.search(ids=[ids[0], ids[2]], select=["thread_id", "status"])
    assert sorted(by_id, key=lambda t: t["thread_id"]) == sorted(
        [{"thread_id": ids[0], "status": "idle"}, {"thread_id": ids[2], "status": "idle"}],
        key=lambda t: t["thread_id"],
    )
    by_values = await client.threads.search(metadata=mark, values={"value": "needle"})
    assert [t["thread_id"] for t in by_values] == [ids[1]]


async def test_deleting_a_thread_removes_its_runs(client) -> None:
    thread_id = await new_thread(client)
    run = await client.runs.create(thread_id, "echo", input={})
    await client.runs.join(thread_id, run["run_id"])
    await client.threads.delete(thread_id)
    with pytest.raises(NotFoundError):
        await client.runs.list(thread_id)
    with pytest.raises(NotFoundError):
        await client.runs.get(thread_id, run["run_id"])
