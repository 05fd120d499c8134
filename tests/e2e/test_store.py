"""The long-term memory store through the SDK's `client.store`: items, search,
namespaces, TTL, semantic queries (tests/graphs/embed.py is the deterministic
embedding langgraph.json configures), graphs that use the store, bad input."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import httpx
import pytest
from langgraph_sdk.errors import UnprocessableEntityError

from e2e_support import new_thread

pytestmark = pytest.mark.e2e


def root() -> str:
    """A namespace root of its own: the server is shared by the whole session."""
    return f"t{uuid.uuid4().hex[:10]}"


async def send(server_url: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
    async with httpx.AsyncClient(base_url=server_url, timeout=10) as http:
        return await http.request(method, path, **kwargs)


async def test_an_item_is_put_read_updated_and_deleted(client) -> None:
    ns = [root(), "prefs"]
    await client.store.put_item(ns, "theme", {"color": "dark"})
    item = await client.store.get_item(ns, "theme")
    assert item["namespace"] == ns and item["key"] == "theme"
    assert item["value"] == {"color": "dark"}
    assert item["created_at"] == item["updated_at"]

    await client.store.put_item(ns, "theme", {"color": "light"})
    updated = await client.store.get_item(ns, "theme")
    assert updated["value"] == {"color": "light"}
    assert updated["created_at"] == item["created_at"] < updated["updated_at"]

    await client.store.delete_item(ns, "theme")
    assert await client.store.get_item(ns, "theme") is None
    await client.store.delete_item(ns, "theme")  # deleting what is gone is no error


async def test_the_same_routes_answer_under_api_v1(server_url: str) -> None:
    ns = [root()]
    assert (
        await send(
            server_url,
            "PUT",
            "/api/v1/store/items",
            json={"namespace": ns, "key": "k", "value": {"a": 1}},
        )
    ).status_code == 204
    found = await send(
        server_url, "GET", "/api/v1/store/items", params={"namespace": ns[0], "key": "k"}
    )
    assert found.json()["value"] == {"a": 1}


async def test_search_filters_and_pages_newest_first(client) -> None:
    top = root()
    for n in range(6):
        await client.store.put_item(
            [top, "even" if n % 2 == 0 else "odd"],
            f"k{n}",
            {"n": n, "tag": "big" if n >= 3 else "small"},
        )
    everything = await client.store.search_items([top], limit=100)
    assert [i["key"] for i in everything["items"]] == ["k5", "k4", "k3", "k2", "k1", "k0"]
    assert all(i["score"] is None for i in everything["items"])
    page = await client.store.search_items([top], limit=2, offset=2)
    assert [i["key"] for i in page["items"]] == ["k3", "k2"]
    odd = await client.store.search_items([top, "odd"])
    assert [i["key"] for i in odd["items"]] == ["k5", "k3", "k1"]
    big_even = await client.store.search_items([top], filter={"tag": "big", "n": {"$lt": 5}})
    assert [i["key"] for i in big_even["items"]] == ["k4", "k3"]
    assert (await client.store.search_items([top, "none"]))["items"] == []


async def test_namespaces_are_listed_by_prefix_suffix_and_depth(client) -> None:
    top = root()
    for path in (
        ["users", "ada", "notes"],
        ["users", "bob", "notes"],
        ["users", "ada", "todo"],
        ["teams", "core"],
    ):
        await client.store.put_item([top, *path], "k", {})
    listed = await client.store.list_namespaces(prefix=[top])
    assert listed["namespaces"] == [
        [top, "teams", "core"],
        [top, "users", "ada", "notes"],
        [top, "users", "ada", "todo"],
        [top, "users", "bob", "notes"],
    ]
    notes = await client.store.list_namespaces(prefix=[top], suffix=["notes"])
    assert notes["namespaces"] == [[top, "users", "ada", "notes"], [top, "users", "bob", "notes"]]
    shallow = await client.store.list_namespaces(prefix=[top, "users"], max_depth=3)
    assert shallow["namespaces"] == [[top, "users", "ada"], [top, "users", "bob"]]
    paged = await client.store.list_namespaces(prefix=[top], max_depth=2, limit=1, offset=1)
    assert paged["namespaces"] == [[top, "users"]]


async def wait_until_gone(client, ns: list[str], key: str, timeout: float = 60) -> float:
    started = time.monotonic()
    while await client.store.get_item(ns, key, refresh_ttl=False) is not None:
        assert time.monotonic() - started < timeout, "the item never expired"
        await asyncio.sleep(0.2)
    return time.monotonic() - started


async def test_an_item_expires_after_its_ttl_unless_reads_refresh_it(client) -> None:
    ns = [root()]
    ttl = 0.05  # minutes: 3 seconds
    await client.store.put_item(ns, "kept", {"v": 1}, ttl=ttl)
    await client.store.put_item(ns, "left", {"v": 2}, ttl=ttl)
    await client.store.put_item(ns, "forever", {"v": 3})
    assert (await client.store.get_item(ns, "left", refresh_ttl=False))["value"] == {"v": 2}

    deadline = time.monotonic() + 60
    while await client.store.get_item(ns, "left", refresh_ttl=False) is not None:
        assert time.monotonic() < deadline, "the unread item never expired"
        assert await client.store.get_item(ns, "kept") is not None  # a read refreshes it
        await asyncio.sleep(0.3)
    listed = await client.store.search_items(ns)
    assert sorted(i["key"] for i in listed["items"]) == ["forever", "kept"]

    await wait_until_gone(client, ns, "kept")  # once nobody reads it, it goes too
    assert [i["key"] for i in (await client.store.search_items(ns))["items"]] == ["forever"]


async def test_a_search_with_refresh_ttl_keeps_what_it_returns(client) -> None:
    ns = [root()]
    await client.store.put_item(ns, "searched", {"v": 1}, ttl=0.05)
    await client.store.put_item(ns, "ignored", {"v": 2}, ttl=0.05)
    deadline = time.monotonic() + 60
    while await client.store.get_item(ns, "ignored", refresh_ttl=False) is not None:
        assert time.monotonic() < deadline
        await client.store.search_items(ns, filter={"v": 1}, refresh_ttl=True)
        await asyncio.sleep(0.3)
    assert await client.store.get_item(ns, "searched", refresh_ttl=False) is not None


async def test_a_query_searches_by_meaning_and_scores_the_results(client) -> None:
    ns = [root(), "memories"]
    await client.store.put_item(ns, "food", {"text": "Ada loves pizza with olives"})
    await client.store.put_item(ns, "weather", {"text": "it was sunny and warm"})
    await client.store.put_item(ns, "mixed", {"text": "pizza on a sunny terrace"})
    await client.store.put_item(ns, "hidden", {"text": "pizza olives pizza"}, index=False)
    found = (await client.store.search_items(ns, query="pizza olives"))["items"]
    assert [i["key"] for i in found] == ["food", "mixed", "weather", "hidden"]
    scores = [i["score"] for i in found]
    assert scores[0] > scores[1] > 0 and scores[2] == 0 and scores[3] is None
    sunny = (await client.store.search_items(ns, query="sunny warm", limit=1))["items"]
    assert [i["key"] for i in sunny] == ["weather"]
    tagged = await client.store.search_items(
        ns, query="pizza", filter={"text": "it was sunny and warm"}
    )
    assert [i["key"] for i in tagged["items"]] == ["weather"]


async def test_a_graph_uses_the_same_store_as_the_api(client) -> None:
    user = root()
    await client.store.put_item(["memories", user], "from-api", {"text": "likes tea"})
    thread_id = await new_thread(client)
    out = await client.runs.wait(
        thread_id, "memory", input={"user": user, "remember": "plays chess", "query": "chess"}
    )
    assert out["memories"] == ["likes tea", "plays chess"]
    assert out["best"] == "plays chess"
    written = await client.store.get_item(["memories", user], "note-1")
    assert written["value"] == {"text": "plays chess"}
    namespaces = await client.store.list_namespaces(prefix=["memories", user])
    assert namespaces["namespaces"] == [["memories", user]]


def assert_refused(response: httpx.Response, *words: str) -> None:
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    for word in words:
        assert word.lower() in detail.lower(), detail


TOP = "refused"  # nothing may ever be written under it


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"namespace": [TOP, "a.b"], "key": "k", "value": {}}, ("period",)),
        ({"namespace": [TOP, ""], "key": "k", "value": {}}, ("empty",)),
        ({"namespace": [], "key": "k", "value": {}}, ("namespace", "empty")),
        ({"namespace": [TOP], "key": "", "value": {}}, ("key",)),
        ({"namespace": [TOP], "key": "k", "value": [1, 2]}, ("value",)),
        ({"namespace": [TOP], "key": "k"}, ("value",)),
        ({"namespace": [TOP], "key": "k", "value": {}, "ttl": -1}, ("ttl",)),
        ({"namespace": [TOP], "key": "k", "value": {}, "index": "yes"}, ("index",)),
        ({"namespace": ["langgraph"], "key": "k", "value": {}}, ("langgraph",)),
    ],
)
async def test_a_bad_put_is_refused_and_writes_nothing(
    server_url: str, client, body: dict, words: tuple[str, ...]
) -> None:
    assert_refused(await send(server_url, "PUT", "/store/items", json=body), *words)
    for top in (TOP, "langgraph"):
        assert (await client.store.list_namespaces(prefix=[top]))["namespaces"] == []
    assert await client.store.get_item([TOP], "k") is None


async def test_bad_reads_and_deletes_are_refused(server_url: str, client) -> None:
    assert_refused(
        await send(server_url, "GET", "/store/items", params={"namespace": "a..b", "key": "k"}),
        "empty",
    )
    assert_refused(await send(server_url, "GET", "/store/items", params={"namespace": "a"}), "key")
    assert_refused(
        await send(server_url, "DELETE", "/store/items", json={"namespace": ["a.b"], "key": "k"}),
        "period",
    )
    assert_refused(
        await send(
            server_url, "POST", "/store/items/search", json={"namespace_prefix": ["a"], "limit": -1}
        ),
        "limit",
    )
    assert_refused(
        await send(
            server_url,
            "POST",
            "/store/items/search",
            json={"namespace_prefix": ["a"], "filter": {"n": {"$near": 1}}},
        ),
        "operator",
    )
    assert_refused(
        await send(server_url, "POST", "/store/namespaces", json={"max_depth": 0}), "max_depth"
    )
    with pytest.raises(UnprocessableEntityError):
        await client.store.search_items(["a.b"])


async def test_an_embedding_of_the_wrong_dimension_is_refused_not_a_server_error(
    server_url: str, client
) -> None:
    ns = [root()]
    put = await send(
        server_url,
        "PUT",
        "/store/items",
        json={"namespace": ns, "key": "k", "value": {"text": "misembedded"}},
    )
    assert_refused(put, "dimensions", "store.index.dims")
    assert await client.store.get_item(ns, "k") is None
    search = await send(
        server_url,
        "POST",
        "/store/items/search",
        json={"namespace_prefix": ns, "query": "misembedded"},
    )
    assert_refused(search, "dimensions", "store.index.dims")
    thread_id = await new_thread(client)
    run = await client.runs.create(
        thread_id, "memory", input={"user": ns[0], "remember": "misembedded"}
    )
    result = await client.runs.join(thread_id, run["run_id"])
    assert result["__error__"]["error"] == "EmbeddingMismatch"
    assert "store.index.dims is 64" in result["__error__"]["message"]
    assert (await client.runs.get(thread_id, run["run_id"]))["status"] == "error"
