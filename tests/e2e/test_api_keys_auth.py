"""The built-in API-key auth (langgraph.json `"auth": {"path":
"duragraph.auth.api_keys:auth"}`): keys from DURAGRAPH_API_KEYS and
DURAGRAPH_API_KEYS_FILE, each key a user who sees only what they created."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Iterator

import httpx
import pytest
from langgraph_sdk import get_client

from e2e_servers import MODES, refused_with
from e2e_servers import server as _server
from servers import GRAPHS

pytestmark = pytest.mark.e2e

CONFIG = GRAPHS.parent / "langgraph.api_keys.json"
KEYS = {"alice": "ak-alice-7Qx2", "bob": "ak-bob-9Lm4"}
NAMELESS = "ak-nameless-3Zp8"


@pytest.fixture(scope="module", params=MODES)
def keys_url(request, counter_dir: Path, tmp_path_factory) -> Iterator[str]:
    key_file = tmp_path_factory.mktemp("keys") / "keys.txt"
    key_file.write_text(f"# a key with no name is a user of its own\n{NAMELESS}\n")
    with pytest.MonkeyPatch.context() as env:  # the server processes inherit it
        env.setenv("DURAGRAPH_API_KEYS", ",".join(f"{k}={who}" for who, k in KEYS.items()))
        env.setenv("DURAGRAPH_API_KEYS_FILE", str(key_file))
        with _server(request, counter_dir, CONFIG) as url:
            yield url


def by_header(url: str, key: str):
    return get_client(url=url, api_key=key)  # the SDK sends it as x-api-key


def by_bearer(url: str, key: str):
    return get_client(url=url, api_key=None, headers={"Authorization": f"Bearer {key}"})


@pytest.fixture
def alice(keys_url: str):
    return by_header(keys_url, KEYS["alice"])


@pytest.fixture
def bob(keys_url: str):
    return by_bearer(keys_url, KEYS["bob"])


async def test_a_request_without_a_key_is_refused_with_a_challenge(keys_url):
    response = httpx.post(f"{keys_url}/threads/search", json={})
    assert response.status_code == 401
    assert response.json() == {"detail": "missing API key"}
    assert response.headers["www-authenticate"] == "Bearer"


async def test_a_wrong_key_is_refused_in_either_header(keys_url):
    for headers in ({"x-api-key": "ak-alice-7Qx"}, {"Authorization": f"Bearer {KEYS['alice']}x"}):
        response = httpx.post(f"{keys_url}/threads", json={}, headers=headers)
        assert (response.status_code, response.json()) == (401, {"detail": "invalid API key"})


async def test_the_same_key_works_as_x_api_key_and_as_a_bearer_token(keys_url):
    thread = await by_header(keys_url, KEYS["alice"]).threads.create()
    same = await by_bearer(keys_url, KEYS["alice"]).threads.get(thread["thread_id"])
    assert same["metadata"]["owner"] == "alice"


async def test_a_run_acts_as_the_keys_identity(alice, bob, keys_url):
    assert (await alice.runs.wait(None, "whoami", input={}))["seen"]["user_id"] == "alice"
    assert (await bob.runs.wait(None, "whoami", input={}))["seen"]["user_id"] == "bob"
    nameless = await by_header(keys_url, NAMELESS).runs.wait(None, "whoami", input={})
    assert nameless["seen"]["user_id"].startswith("key-")


async def test_two_keys_are_two_users_who_cannot_see_each_others_threads(alice, bob):
    thread = await alice.threads.create()
    assert await refused_with(bob.threads.get(thread["thread_id"])) == 404
    assert await refused_with(bob.runs.wait(thread["thread_id"], "echo", input={})) == 404
    assert await refused_with(bob.threads.update(thread["thread_id"], metadata={"x": 1})) == 404
    assert await refused_with(bob.threads.delete(thread["thread_id"])) == 404
    assert (await alice.threads.get(thread["thread_id"]))["metadata"]["owner"] == "alice"


async def test_each_users_search_returns_only_their_own_threads_page_after_page(alice, bob):
    tag = {"suite": uuid.uuid4().hex}
    mine = {(await alice.threads.create(metadata=tag))["thread_id"] for _ in range(3)}
    theirs = {(await bob.threads.create(metadata=tag))["thread_id"] for _ in range(2)}
    pages = [await alice.threads.search(metadata=tag, limit=2, offset=o) for o in (0, 2, 4)]
    assert {t["thread_id"] for page in pages for t in page} == mine
    assert [len(page) for page in pages] == [2, 1, 0]
    assert {t["thread_id"] for t in await bob.threads.search(metadata=tag)} == theirs
    assert await alice.threads.count(metadata=tag) == 3


async def test_both_users_see_the_system_assistants_but_not_each_others(alice, bob):
    system = await bob.assistants.search(metadata={"created_by": "system"})
    assert {a["graph_id"] for a in system} == {"echo", "whoami"}
    own = await alice.assistants.create("echo", name=f"alice-{uuid.uuid4().hex[:6]}")
    assert await refused_with(bob.assistants.get(own["assistant_id"])) == 404
    assert own["assistant_id"] not in {a["assistant_id"] for a in await bob.assistants.search()}


async def test_no_user_can_delete_a_system_assistant(bob):
    system = (await bob.assistants.search(metadata={"created_by": "system"}))[0]
    assert await refused_with(bob.assistants.delete(system["assistant_id"])) == 404


async def test_each_user_has_a_store_of_their_own(alice, bob):
    key = uuid.uuid4().hex
    await alice.store.put_item(["notes"], key, {"text": "alice's"})
    assert (await alice.store.get_item(["notes"], key))["value"] == {"text": "alice's"}
    assert await bob.store.get_item(["notes"], key) is None  # a missing item reads as null
    assert key not in {i["key"] for i in (await bob.store.search_items(["notes"]))["items"]}
