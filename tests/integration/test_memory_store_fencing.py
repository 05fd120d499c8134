"""The memory store a run's nodes write to is fenced by the run's lease epoch, like
its checkpoints: an executor whose lease was taken over (frozen, then back)
cannot make a late store write land; the run's new owner can."""

from __future__ import annotations

import pytest
from langgraph.graph import START, StateGraph
from typing_extensions import TypedDict

from duragraph.application.ports import Fence
from duragraph.domain.errors import Fenced

from test_checkpointer import Harness
from test_memory_store import Clock, make_store, rows


class State(TypedDict):
    note: str


def remembering():
    """A node that writes its input to the store, as a user's graph would."""

    async def remember(state: State, *, store) -> dict:
        await store.aput(("memories",), "note", {"text": state["note"]})
        return {}

    return StateGraph(State).add_node(remember).add_edge(START, "remember")


async def test_a_stale_executors_store_write_is_refused_and_the_new_owners_lands(pool) -> None:
    harness = Harness(pool)
    run_id, stale_epoch = await harness.start_run()
    store = make_store(pool, Clock())
    stale = store.for_run(Fence(run_id, stale_epoch))
    current_epoch = await harness.reclaim(run_id)

    with pytest.raises(Fenced):
        await remembering().compile(store=stale).ainvoke({"note": "late"})
    with pytest.raises(Fenced):
        await stale.aput(("memories",), "other", {"text": "late"})
    assert await rows(pool, "SELECT key FROM store_items") == []

    owner = store.for_run(Fence(run_id, current_epoch))
    await remembering().compile(store=owner).ainvoke({"note": "current"})
    assert (await store.aget(("memories",), "note")).value == {"text": "current"}
    assert await rows(pool, "SELECT key FROM store_items") == [("note",)]
