"""Custom auth on threads and runs: another user's thread reads as a missing
one on every route (404; 409 for a copy's source), searches and counts see
only the caller's threads, and a refused cancel leaves the run alone. Two
users, alice and bob (tests/graphs/auth.py: each owns what they create)."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from e2e_servers import MODES, as_user, refused_with
from e2e_servers import server as _server
from servers import GRAPHS

pytestmark = pytest.mark.e2e

READ_SHARED = GRAPHS.parent / "langgraph.auth_read_shared.json"


def _http(url: str, user: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=url, timeout=60, headers={"Authorization": f"Bearer token-{user}"}
    )


async def _thread_with_run(client) -> tuple[str, str]:
    thread = await client.threads.create(metadata={"topic": "mine"})
    await client.runs.wait(thread["thread_id"], "echo", input={"value": 1})
    [run] = await client.runs.list(thread["thread_id"])
    return thread["thread_id"], run["run_id"]


# Routes that only read the thread: bob gets 404, alice 200.
READS = [
    ("GET", "/threads/{t}", None),
    ("GET", "/threads/{t}/state", None),
    ("POST", "/threads/{t}/state/checkpoint", {"checkpoint": {}}),
    ("GET", "/threads/{t}/history", None),
    ("POST", "/threads/{t}/history", {"limit": 5}),
    ("GET", "/threads/{t}/storage", None),
    ("GET", "/threads/{t}/events", None),
    ("GET", "/threads/{t}/runs", None),
    ("GET", "/threads/{t}/runs/{r}", None),
    ("GET", "/threads/{t}/runs/{r}/join", None),
    ("GET", "/threads/{t}/runs/{r}/stream", None),
    ("GET", "/threads/{t}/runs/{r}/events", None),
    ("POST", "/threads/{t}/commands", {"id": 1, "method": "agent.getTree"}),
]
# Routes that change the thread (or stream it forever): bob gets 404.
WRITES = [
    ("PATCH", "/threads/{t}", {"metadata": {"owner": "bob"}}),
    ("DELETE", "/threads/{t}", None),
    ("DELETE", "/threads/{t}/runs/{r}", None),
    ("POST", "/threads/{t}/runs/{r}/cancel", None),
    ("POST", "/runs/cancel", {"thread_id": "{t}", "run_ids": ["{r}"]}),
    ("POST", "/threads/{t}/state", {"values": {"value": 2}}),
    ("GET", "/threads/{t}/stream", None),
    ("POST", "/threads/{t}/stream/events", {"channels": ["lifecycle"]}),
    (
        "POST",
        "/threads/{t}/commands",
        {"id": 1, "method": "run.start", "params": {"assistant_id": "echo", "input": {}}},
    ),
]


def _fill(template, thread_id: str, run_id: str):
    if isinstance(template, str):
        return template.replace("{t}", thread_id).replace("{r}", run_id)
    if isinstance(template, dict):
        return {k: _fill(v, thread_id, run_id) for k, v in template.items()}
    if isinstance(template, list):
        return [_fill(v, thread_id, run_id) for v in template]
    return template


async def _status(http: httpx.AsyncClient, method: str, path: str, body) -> int:
    async with http.stream(method, path, json=body) as response:
        return response.status_code  # streams: the status is enough


async def test_another_users_thread_is_not_found_on_every_thread_and_run_route(
    auth_server_url, alice
) -> None:
    thread_id, run_id = await _thread_with_run(alice)
    async with _http(auth_server_url, "bob") as bob, _http(auth_server_url, "alice") as owner:
        for method, path, body in READS + WRITES:
            status = await _status(
                bob, method, _fill(path, thread_id, run_id), _fill(body, thread_id, run_id)
            )
            assert status == 404, (method, path)
        for method, path, body in READS:
            status = await _status(
                owner, method, _fill(path, thread_id, run_id), _fill(body, thread_id, run_id)
            )
            assert status == 200, (method, path)
    thread = await alice.threads.get(thread_id)
    assert thread["metadata"].items() >= {"owner": "alice", "topic": "mine"}.items()
    assert thread["values"]["value"] == 1
    assert [r["run_id"] for r in await alice.runs.list(thread_id)] == [run_id]


async def test_the_owner_changes_and_deletes_their_own_thread(alice) -> None:
    thread_id, run_id = await _thread_with_run(alice)
    patched = await alice.threads.update(thread_id, metadata={"topic": "other"})
    assert patched["metadata"].items() >= {"owner": "alice", "topic": "other"}.items()
    await alice.threads.update_state(thread_id, {"value": 2})
    assert (await alice.threads.get_state(thread_id))["values"]["value"] == 2
    await alice.runs.delete(thread_id, run_id)
    await alice.threads.delete(thread_id)
    assert await refused_with(alice.threads.get(thread_id)) == 404


async def test_search_and_count_see_only_the_callers_threads_on_every_page(auth_server_url) -> None:
    tag = uuid.uuid4().hex
    alice, bob = as_user(auth_server_url, "alice"), as_user(auth_server_url, "bob")
    mine = {(await alice.threads.create(metadata={"tag": tag}))["thread_id"] for _ in range(7)}
    theirs = {(await bob.threads.create(metadata={"tag": tag}))["thread_id"] for _ in range(5)}
    for user, owned in ((alice, mine), (bob, theirs)):
        seen: list[str] = []
        for offset in range(0, 12, 3):
            page = await user.threads.search(metadata={"tag": tag}, limit=3, offset=offset)
            assert len(page) == min(3, max(0, len(owned) - offset))
            seen += [t["thread_id"] for t in page]
        assert set(seen) == owned and len(seen) == len(owned)
        assert await user.threads.count(metadata={"tag": tag}) == len(owned)
    # Naming another user's ids does not widen the search.
    assert await bob.threads.search(ids=list(mine)) == []


async def test_pruning_with_one_foreign_id_is_not_found_and_prunes_nothing(alice, bob) -> None:
    own = (await bob.threads.create())["thread_id"]
    foreign = (await alice.threads.create())["thread_id"]
    assert await refused_with(bob.threads.prune([own, foreign])) == 404
    assert (await bob.threads.get(own))["thread_id"] == own
    assert (await alice.threads.get(foreign))["thread_id"] == foreign
    assert await bob.threads.prune([own]) == {"pruned_count": 1}


async def test_copying_another_users_thread_conflicts_and_a_copy_keeps_its_owner(
    alice, bob
) -> None:
    thread_id, _ = await _thread_with_run(alice)
    assert await refused_with(bob.threads.copy(thread_id)) == 409
    copied = await alice.threads.copy(thread_id)
    assert copied["metadata"].items() >= {"owner": "alice", "topic": "mine"}.items()
    assert await refused_with(bob.threads.get(copied["thread_id"])) == 404


async def test_a_refused_cancel_leaves_the_run_running(alice, bob) -> None:
    thread = await alice.threads.create()
    run = await alice.runs.create(thread["thread_id"], "slow", input={"sleep": 30})
    assert await refused_with(bob.runs.cancel(thread["thread_id"], run["run_id"])) == 404
    assert await refused_with(bob.runs.cancel_many(status="all")) == 404
    await asyncio.sleep(0.5)
    assert (await alice.runs.get(thread["thread_id"], run["run_id"]))["status"] in (
        "pending",
        "running",
    )
    await alice.runs.cancel(thread["thread_id"], run["run_id"], wait=True)
    assert (await alice.runs.get(thread["thread_id"], run["run_id"]))["status"] == "interrupted"


async def test_a_batch_is_authorized_run_by_run_and_refused_as_a_whole(
    auth_server_url, alice
) -> None:
    foreign = await alice.assistants.create("echo", metadata={"owner": "alice"})
    async with _http(auth_server_url, "bob") as bob:
        refused = await bob.post(
            "/runs/batch",
            json=[
                {"assistant_id": "echo", "input": {}},
                {"assistant_id": foreign["assistant_id"], "input": {}},
            ],
        )
        ok = await bob.post("/runs/batch", json=[{"assistant_id": "echo", "input": {}}])
    assert refused.status_code == 404
    assert ok.status_code == 200
    [run] = ok.json()
    assert run["metadata"]["owner"] == "bob"


async def test_the_event_websocket_closes_on_another_users_thread(auth_server_url, alice) -> None:
    thread_id = (await alice.threads.create())["thread_id"]
    url = auth_server_url.replace("http", "ws", 1) + f"/threads/{thread_id}/stream/events"
    async with connect(url, additional_headers={"Authorization": "Bearer token-bob"}) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 30)
    assert closed.value.rcvd.code == 4404
    async with connect(url, additional_headers={"Authorization": "Bearer token-alice"}) as ws:
        await ws.send('{"id": 1, "method": "agent.getTree"}')
        answer = await asyncio.wait_for(ws.recv(), 30)
    assert '"no_such_run"' in answer  # the thread is there, with no run yet


@pytest.fixture(scope="module", params=MODES)
def read_shared_url(request, counter_dir: Path):
    """Every thread readable by everyone, updatable by its owner only."""
    with _server(request, counter_dir, READ_SHARED) as url:
        yield url


async def test_updating_the_state_of_a_thread_one_can_read_but_not_update_is_forbidden(
    read_shared_url,
) -> None:
    alice, bob = as_user(read_shared_url, "alice"), as_user(read_shared_url, "bob")
    thread = await alice.threads.create()
    await alice.runs.wait(thread["thread_id"], "echo", input={"value": 1})
    assert (await bob.threads.get(thread["thread_id"]))["thread_id"] == thread["thread_id"]
    assert await refused_with(bob.threads.update_state(thread["thread_id"], {"value": 2})) == 403
    await alice.threads.update_state(thread["thread_id"], {"value": 3})
    assert (await bob.threads.get_state(thread["thread_id"]))["values"]["value"] == 3
