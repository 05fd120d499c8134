"""The LangGraph BaseStore over the event-sourced store, against real PostgreSQL."""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from langgraph.graph import START, StateGraph
from langgraph.store.base import InvalidNamespaceError, PutOp
from typing_extensions import TypedDict

from duragraph.application.commands.memory_store import StoreDeps, sweep_expired
from duragraph.application.ports import TtlPolicy
from duragraph.application.ports import StreamAppend
from duragraph.domain.events import StoreItemExpired
from duragraph.domain.memory_store import stream_id
from duragraph.infrastructure.background.memory_store_expiry import sweep_store
from duragraph.infrastructure.memory_store.base_store import EventSourcedStore
from duragraph.infrastructure.memory_store.index import EmbeddingIndex
from duragraph.infrastructure.postgres.database import PostgresDatabase
from duragraph.infrastructure.postgres.event_store import PostgresEventStore
from duragraph.infrastructure.postgres.rebuild import rebuild_projections

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "graphs"))
from embed import DIMS, embed


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.at = datetime(2030, 1, 1, tzinfo=timezone.utc)

    def now(self) -> datetime:
        return self.at

    def advance(self, minutes: float) -> None:
        self.at += timedelta(minutes=minutes)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make_store(pool, clock: Clock, *, index: bool = False, **ttl) -> EventSourcedStore:
    deps = StoreDeps(
        PostgresEventStore(pool),
        PostgresDatabase(pool),
        clock,
        EmbeddingIndex(embed, DIMS, ["text"]) if index else None,
        TtlPolicy(**ttl),
    )
    return EventSourcedStore(deps)


async def rows(pool, sql: str) -> list[tuple]:
    async with pool.connection() as conn:
        return await (await conn.execute(sql)).fetchall()


async def test_put_get_update_and_delete_are_events_on_the_items_stream(pool, clock) -> None:
    store = make_store(pool, clock)
    await store.aput(("users", "ada"), "prefs", {"theme": "dark"})
    created = await store.aget(("users", "ada"), "prefs")
    clock.advance(1)
    await store.aput(("users", "ada"), "prefs", {"theme": "light"})
    updated = await store.aget(("users", "ada"), "prefs")
    assert updated.value == {"theme": "light"}
    assert updated.created_at == created.created_at < updated.updated_at
    await store.adelete(("users", "ada"), "prefs")
    assert await store.aget(("users", "ada"), "prefs") is None
    assert await rows(pool, "SELECT type FROM events ORDER BY position") == [
        ("store.item_put",),
        ("store.item_put",),
        ("store.item_deleted",),
    ]


async def test_search_filters_pages_and_orders_by_last_update(pool, clock) -> None:
    store = make_store(pool, clock)
    for n in range(5):
        clock.advance(1)
        await store.aput(("docs", "a" if n % 2 else "b"), f"k{n}", {"n": n, "kind": "x"})
    clock.advance(1)
    await store.aput(("other",), "k9", {"n": 9, "kind": "x"})
    newest_first = await store.asearch(("docs",), limit=10)
    assert [i.key for i in newest_first] == ["k4", "k3", "k2", "k1", "k0"]
    assert [i.key for i in await store.asearch(("docs",), limit=2, offset=1)] == ["k3", "k2"]
    assert [i.key for i in await store.asearch(("docs", "a"))] == ["k3", "k1"]
    assert [i.key for i in await store.asearch(("docs",), filter={"n": 2})] == ["k2"]
    ranged = await store.asearch((), filter={"n": {"$gte": 3}, "kind": {"$eq": "x"}})
    assert [i.key for i in ranged] == ["k9", "k4", "k3"]
    assert [i.key for i in await store.asearch(("docs",), filter={"n": {"$ne": 0, "$lt": 2}})] == [
        "k1"
    ]


async def test_search_filters_combine_with_and_and_or(pool, clock) -> None:
    store = make_store(pool, clock)
    for n in range(4):
        clock.advance(1)
        await store.aput(("docs",), f"k{n}", {"n": n, "public": n % 2 == 0})
    both = {"$and": [{"n": {"$gte": 1}}, {"public": True}]}
    assert [i.key for i in await store.asearch(("docs",), filter=both)] == ["k2"]
    either = {"$or": [{"n": 1}, {"n": 3}], "public": False}
    assert [i.key for i in await store.asearch(("docs",), filter=either)] == ["k3", "k1"]
    with pytest.raises(ValueError, match=r"\$or"):
        await store.asearch(("docs",), filter={"$or": []})


async def test_list_namespaces_by_prefix_suffix_and_depth(pool, clock) -> None:
    store = make_store(pool, clock)
    for ns in [("a", "b", "c"), ("a", "b", "d"), ("a", "x"), ("z", "b", "c")]:
        await store.aput(ns, "k", {})
    assert await store.alist_namespaces() == [
        ("a", "b", "c"),
        ("a", "b", "d"),
        ("a", "x"),
        ("z", "b", "c"),
    ]
    assert await store.alist_namespaces(prefix=("a", "b")) == [("a", "b", "c"), ("a", "b", "d")]
    assert await store.alist_namespaces(suffix=("b", "c")) == [("a", "b", "c"), ("z", "b", "c")]
    assert await store.alist_namespaces(prefix=("*", "b")) == [
        ("a", "b", "c"),
        ("a", "b", "d"),
        ("z", "b", "c"),
    ]
    assert await store.alist_namespaces(max_depth=2) == [("a", "b"), ("a", "x"), ("z", "b")]
    assert await store.alist_namespaces(max_depth=1, limit=1, offset=1) == [("z",)]


async def test_expired_items_are_invisible_refreshed_by_reads_and_swept(pool, clock) -> None:
    store = make_store(pool, clock)
    await store.aput(("t",), "read", {"v": 1}, ttl=10)
    await store.aput(("t",), "unread", {"v": 2}, ttl=10)
    await store.aput(("t",), "forever", {"v": 3})
    clock.advance(8)
    assert (await store.aget(("t",), "read")).value == {"v": 1}  # refreshes: 10 more minutes
    assert (await store.aget(("t",), "unread", refresh_ttl=False)).value == {"v": 2}
    clock.advance(5)
    assert await store.aget(("t",), "unread") is None
    assert {i.key for i in await store.asearch(("t",))} == {"read", "forever"}
    assert await rows(pool, "SELECT count(*) FROM store_items") == [(3,)]  # not yet swept

    assert await sweep_expired(store.deps) == 1
    assert await rows(pool, "SELECT key FROM store_items ORDER BY key") == [("forever",), ("read",)]
    assert await sweep_expired(store.deps) == 0


async def test_putting_an_expired_item_again_creates_it_anew(pool, clock) -> None:
    store = make_store(pool, clock)
    await store.aput(("t",), "k", {"v": 1}, ttl=1)
    first = await store.aget(("t",), "k")
    clock.advance(2)
    await store.aput(("t",), "k", {"v": 2})
    again = await store.aget(("t",), "k")
    assert again.value == {"v": 2} and again.created_at > first.created_at
    clock.advance(1000)
    assert (await store.aget(("t",), "k")).value == {"v": 2}  # no TTL any more


async def test_a_default_ttl_applies_when_none_is_given(pool, clock) -> None:
    store = make_store(pool, clock, default_ttl=1, refresh_on_read=False)
    await store.aput(("t",), "default", {})
    await store.aput(("t",), "never", {}, ttl=None)
    clock.advance(0.5)
    await store.aget(("t",), "default")  # refresh_on_read is off
    clock.advance(0.6)
    assert [i.key for i in await store.asearch(("t",))] == ["never"]


async def test_a_sweep_spares_an_item_put_again_after_it_looked(pool, clock) -> None:
    store = make_store(pool, clock)
    await store.aput(("t",), "k", {"v": 1}, ttl=1)
    clock.advance(2)
    stale = (await rows(pool, "SELECT expires_at FROM store_items"))[0][0]
    await store.aput(("t",), "k", {"v": 2}, ttl=1)
    # The sweeper's event names the expiry it saw; the newer put keeps the item.
    expired = StoreItemExpired(
        namespace=["t"], key="k", expires_at=stale.isoformat(), at=clock.now()
    )
    await store.deps.events.append([StreamAppend(stream_id(("t",), "k"), None, [expired])])
    assert (await store.aget(("t",), "k")).value == {"v": 2}


async def test_semantic_search_orders_by_similarity_and_returns_scores(pool, clock) -> None:
    store = make_store(pool, clock, index=True)
    await store.aput(("m",), "pizza", {"text": "I love pizza with olives"})
    await store.aput(("m",), "weather", {"text": "sunny weather today"})
    await store.aput(("m",), "both", {"text": "pizza when the weather is sunny"})
    await store.aput(("m",), "unindexed", {"text": "pizza pizza"}, index=False)
    found = await store.asearch(("m",), query="pizza olives")
    assert [i.key for i in found][:2] == ["pizza", "both"]
    assert found[0].score > found[1].score > 0
    assert found[-1].key == "unindexed" and found[-1].score is None
    assert (await store.asearch(("m",), query="weather", limit=1))[0].key in ("weather", "both")
    assert all(i.score is None for i in await store.asearch(("m",)))


async def test_a_put_may_name_the_fields_to_index(pool, clock) -> None:
    store = make_store(pool, clock, index=True)
    await store.aput(("m",), "titled", {"title": "olives", "text": "chess"}, index=["title"])
    await store.aput(("m",), "texted", {"title": "chess", "text": "olives"})
    await store.aput(("m",), "none", {"text": "olives"}, index=[])
    found = await store.asearch(("m",), query="olives")
    assert {i.key: i.score for i in found} == {"titled": 1.0, "texted": 1.0, "none": None}
    assert found[-1].key == "none"
    chess = await store.asearch(("m",), query="chess")  # only indexed fields count
    assert {i.key: i.score for i in chess} == {"titled": 0.0, "texted": 0.0, "none": None}


async def test_rejected_operations_write_nothing(pool, clock) -> None:
    store = make_store(pool, clock)
    with pytest.raises(InvalidNamespaceError, match="period"):
        await store.abatch([_put(("ok",), "a"), _put(("bad.label",), "b")])
    with pytest.raises(InvalidNamespaceError, match="empty"):
        await store.abatch([_put(("ok",), "a"), _put(("x", ""), "b")])
    with pytest.raises(ValueError, match="operator"):
        await store.asearch(("ok",), filter={"n": {"$near": 1}})
    assert await rows(pool, "SELECT count(*) FROM events") == [(0,)]


def _put(namespace, key):
    return PutOp(namespace, key, {"v": 1})


async def test_rebuilt_store_projection_equals_the_live_one(pool, clock) -> None:
    store = make_store(pool, clock, index=True)
    await store.aput(("r", "1"), "a", {"text": "alpha beta"}, ttl=5)
    await store.aput(("r", "1"), "b", {"text": "gamma"})
    await store.aput(("r", "2"), "a", {"text": "delta"}, ttl=1)
    await store.adelete(("r", "1"), "b")
    clock.advance(2)
    await store.aget(("r", "1"), "a")
    await sweep_expired(store.deps)
    query = (
        "SELECT * FROM store_items ORDER BY namespace, key",
        "SELECT * FROM store_vectors ORDER BY namespace, key, idx",
    )
    live = [await rows(pool, q) for q in query]
    assert live[0] and live[1]
    await rebuild_projections(pool)
    assert [await rows(pool, q) for q in query] == live


class State(TypedDict):
    user: str
    seen: list[str]


async def test_a_graph_reads_and_writes_the_same_store(pool, clock) -> None:
    store = make_store(pool, clock)
    await store.aput(("memories", "ada"), "before", {"text": "from outside"})

    def sync_node(state: State) -> dict:
        from langgraph.config import get_store

        get_store().put(("memories", state["user"]), "inside", {"text": "from the graph"})
        return {"seen": [i.key for i in get_store().search(("memories", state["user"]))]}

    graph = StateGraph(State).add_node(sync_node).add_edge(START, "sync_node").compile(store=store)
    out = await graph.ainvoke({"user": "ada", "seen": []})
    assert sorted(out["seen"]) == ["before", "inside"]
    assert (await store.aget(("memories", "ada"), "inside")).value == {"text": "from the graph"}


async def test_the_sweeper_removes_expired_items_in_the_background(pool, clock) -> None:
    store = make_store(pool, clock)
    await store.aput(("t",), "short", {}, ttl=1)
    await store.aput(("t",), "long", {}, ttl=100)
    clock.advance(2)
    stop = asyncio.Event()
    sweeper = asyncio.create_task(sweep_store(store.deps, 0.05, stop))
    try:
        deadline = time.monotonic() + 30
        while await rows(pool, "SELECT key FROM store_items") != [("long",)]:
            assert time.monotonic() < deadline, "the sweeper never removed the item"
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.wait_for(sweeper, 10)
    assert ("store.item_expired",) in await rows(pool, "SELECT type FROM events")
