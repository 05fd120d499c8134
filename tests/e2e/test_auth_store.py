"""Store authorization (langgraph.json `auth`, `@auth.on.store`): the
handler's rewrite of the namespace (tests/graphs/auth.py prefixes it with the
caller's identity) keeps users' items apart; a filter it returns narrows
searches; a namespace is checked before and after the handler."""

from __future__ import annotations

import uuid
from typing import Iterator

import httpx
import pytest

from e2e_servers import MODES, as_user
from e2e_servers import server as _server
from servers import GRAPHS

pytestmark = pytest.mark.e2e

SHARED = GRAPHS.parent / "langgraph.auth_store_filter.json"


def label() -> str:
    """A namespace label of its own: the server is shared by the whole session."""
    return f"notes-{uuid.uuid4().hex[:8]}"


def token(user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer token-{user}"}


async def test_a_users_item_is_stored_under_their_identity_and_invisible_to_others(alice, bob):
    notes = label()
    await alice.store.put_item([notes], "k", {"text": "alice's"})
    mine = await alice.store.get_item([notes], "k")
    assert mine["value"] == {"text": "alice's"}
    assert mine["namespace"] == ["alice", notes]  # as stored, as the official server answers
    assert await bob.store.get_item([notes], "k") is None

    await bob.store.put_item([notes], "k", {"text": "bob's"})
    assert (await bob.store.get_item([notes], "k"))["value"] == {"text": "bob's"}
    assert (await alice.store.get_item([notes], "k"))["value"] == {"text": "alice's"}


async def test_a_user_cannot_delete_another_users_item(alice, bob):
    notes = label()
    await alice.store.put_item([notes], "k", {"text": "keep"})
    await bob.store.delete_item([notes], "k")
    assert (await alice.store.get_item([notes], "k"))["value"] == {"text": "keep"}
    await alice.store.delete_item([notes], "k")
    assert await alice.store.get_item([notes], "k") is None


async def test_search_shows_only_the_callers_items_also_past_the_first_page(alice, bob):
    notes = label()
    for n in range(3):
        await alice.store.put_item([notes], f"a{n}", {"n": n})
    await bob.store.put_item([notes], "b0", {"n": 0})

    found = await bob.store.search_items([notes])
    assert [i["key"] for i in found["items"]] == ["b0"]
    everything = await bob.store.search_items([], limit=1000)
    assert all(i["namespace"][0] == "bob" for i in everything["items"])
    assert "b0" in [i["key"] for i in everything["items"]]

    first = await alice.store.search_items([notes], limit=2)
    rest = await alice.store.search_items([notes], limit=2, offset=2)
    assert len(first["items"]) == 2 and len(rest["items"]) == 1
    keys = {i["key"] for i in first["items"] + rest["items"]}
    assert keys == {"a0", "a1", "a2"}
    assert [
        i["key"] for i in (await alice.store.search_items([notes], filter={"n": 0}))["items"]
    ] == ["a0"]


async def test_listed_namespaces_are_only_the_callers(alice, bob):
    notes = label()
    await alice.store.put_item([notes, "deep"], "k", {})
    assert (await alice.store.list_namespaces(prefix=[notes]))["namespaces"] == [
        ["alice", notes, "deep"]
    ]
    assert (await bob.store.list_namespaces(prefix=[notes]))["namespaces"] == []
    listed = (await bob.store.list_namespaces(limit=1000))["namespaces"]
    assert all(ns[0] == "bob" for ns in listed)


@pytest.mark.parametrize(
    ("method", "path", "request_args"),
    [
        ("PUT", "/store/items", {"json": {"namespace": ["a.b"], "key": "k", "value": {}}}),
        ("GET", "/store/items", {"params": {"namespace": "a..b", "key": "k"}}),
        ("DELETE", "/store/items", {"json": {"namespace": ["a.b"], "key": "k"}}),
        ("POST", "/store/items/search", {"json": {"namespace_prefix": ["a.b"]}}),
        ("POST", "/store/namespaces", {"json": {"prefix": ["a.b"]}}),
        ("POST", "/store/namespaces", {"json": {"suffix": [""]}}),
    ],
)
def test_a_bad_namespace_is_refused_before_the_handler(auth_server_url, method, path, request_args):
    response = httpx.request(
        method, f"{auth_server_url}{path}", headers=token("alice"), **request_args
    )
    assert response.status_code == 422, response.text


def test_the_store_needs_credentials(auth_server_url):
    response = httpx.post(f"{auth_server_url}/store/items/search", json={})
    assert response.status_code == 401


@pytest.fixture(scope="module", params=MODES)
def shared_store_url(request, counter_dir) -> Iterator[str]:
    """tests/graphs/auth_store_filter.py: one store for all, searches see what is published."""
    with _server(request, counter_dir, SHARED) as url:
        yield url


async def test_a_search_filter_returned_by_the_handler_is_anded_with_the_callers(shared_store_url):
    alice, bob = as_user(shared_store_url, "alice"), as_user(shared_store_url, "bob")
    notes = label()
    await alice.store.put_item([notes], "draft", {"n": 1, "published": False})
    await alice.store.put_item([notes], "one", {"n": 1, "published": True})
    await alice.store.put_item([notes], "two", {"n": 2, "published": True})

    wanted = await bob.store.search_items(["alice", notes], filter={"n": 1})
    assert [i["key"] for i in wanted["items"]] == ["one"]
    every = await bob.store.search_items(["alice", notes])
    assert sorted(i["key"] for i in every["items"]) == ["one", "two"]
    widened = await bob.store.search_items(["alice", notes], filter={"published": False})
    assert widened["items"] == []


async def test_a_filter_returned_for_get_or_list_namespaces_is_ignored_and_put_mutations_kept(
    shared_store_url,
):
    alice, bob = as_user(shared_store_url, "alice"), as_user(shared_store_url, "bob")
    notes = label()
    await alice.store.put_item([notes], "draft", {"published": False})
    draft = await bob.store.get_item(["alice", notes], "draft")
    assert draft["value"] == {"published": False, "author": "alice"}
    assert (await bob.store.list_namespaces(prefix=["alice", notes]))["namespaces"] == [
        ["alice", notes]
    ]


def test_a_namespace_the_handler_makes_invalid_is_refused_and_nothing_written(shared_store_url):
    notes = label()
    response = httpx.put(
        f"{shared_store_url}/store/items",
        headers=token("dotted"),
        json={"namespace": [notes], "key": "k", "value": {}},
    )
    assert response.status_code == 422, response.text
    listed = httpx.post(
        f"{shared_store_url}/store/namespaces", headers=token("alice"), json={"suffix": [notes]}
    )
    assert listed.json()["namespaces"] == []
