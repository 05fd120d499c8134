"""Custom auth on assistants, crons, MCP and A2A: another user's assistant or
cron reads as missing, searches and counts show the caller's own (exact past
the first page), and a cron's ticks run as its creator. Two users, alice and
bob (tests/graphs/auth.py: owner stamped on create, an owner filter on reads,
system assistants visible to all)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from e2e_servers import refused_with
from e2e_support import eventually

pytestmark = pytest.mark.e2e

DAILY = "0 9 * * *"
ECHO = str(uuid.uuid5(uuid.UUID("6ba7b821-9dad-11d1-80b4-00c04fd430c8"), "echo"))
EVERY_SECOND = "* * * * * */1"


def tag() -> dict[str, str]:
    return {"test": uuid.uuid4().hex}


# -- assistants ------------------------------------------------------------------


async def test_another_users_assistant_reads_as_missing_for_every_operation(alice, bob):
    mine = await alice.assistants.create("echo", name="alice's")
    aid = mine["assistant_id"]
    await alice.assistants.update(aid, name="alice's v2")
    for call in (
        bob.assistants.get(aid),
        bob.assistants.get_graph(aid),
        bob.assistants.get_schemas(aid),
        bob.assistants.get_subgraphs(aid),
        bob.assistants.get_versions(aid),
        bob.assistants.update(aid, name="bob's"),
        bob.assistants.set_latest(aid, 1),
        bob.assistants.delete(aid),
    ):
        assert await refused_with(call) == 404
    still = await alice.assistants.get(aid)
    assert (still["name"], still["version"]) == ("alice's v2", 2)
    assert [v["version"] for v in await alice.assistants.get_versions(aid)] == [2, 1]


async def test_creating_an_assistant_under_another_users_id_is_a_conflict(alice, bob):
    aid = (await alice.assistants.create("echo"))["assistant_id"]
    assert await refused_with(bob.assistants.create("echo", assistant_id=aid)) == 409
    assert (
        await refused_with(bob.assistants.create("echo", assistant_id=aid, if_exists="do_nothing"))
        == 409
    )
    assert (await alice.assistants.create("echo", assistant_id=aid, if_exists="do_nothing"))[
        "assistant_id"
    ] == aid


async def test_the_creators_handler_stamps_the_assistants_metadata(alice):
    created = await alice.assistants.create("echo", metadata={"k": "v"})
    assert created["metadata"] == {"k": "v", "owner": "alice"}


async def test_assistant_search_and_count_show_the_callers_own_past_the_first_page(alice, bob):
    shared = tag()
    alices = [
        (await alice.assistants.create("echo", metadata=shared))["assistant_id"] for _ in range(3)
    ]
    bobs = [
        (await bob.assistants.create("echo", metadata=shared))["assistant_id"] for _ in range(2)
    ]
    pages = [
        await alice.assistants.search(
            metadata=shared, limit=2, offset=offset, sort_by="created_at", sort_order="asc"
        )
        for offset in (0, 2, 4)
    ]
    assert [[a["assistant_id"] for a in p] for p in pages] == [alices[:2], alices[2:], []]
    assert await alice.assistants.count(metadata=shared) == 3
    assert sorted(
        a["assistant_id"] for a in await bob.assistants.search(metadata=shared)
    ) == sorted(bobs)
    assert await bob.assistants.count(metadata=shared) == 2
    # System assistants (one per graph) are everyone's, as the handler says.
    system = await bob.assistants.search(metadata={"created_by": "system"}, limit=100)
    assert "echo" in {a["graph_id"] for a in system}


async def test_deleting_an_assistant_with_its_threads_deletes_only_the_callers_threads(alice, bob):
    aid = (await alice.assistants.create("echo"))["assistant_id"]
    hers = await alice.threads.create()
    await alice.runs.wait(hers["thread_id"], aid, input={"value": 1})
    # bob's thread says it ran alice's assistant: it is not hers to delete
    his = await bob.threads.create(metadata={"assistant_id": aid})
    await alice.assistants.delete(aid, delete_threads=True)
    assert await refused_with(alice.assistants.get(aid)) == 404
    assert await refused_with(alice.threads.get(hers["thread_id"])) == 404
    assert (await bob.threads.get(his["thread_id"]))["thread_id"] == his["thread_id"]


# -- crons -------------------------------------------------------------------------


async def test_another_users_cron_reads_as_missing(alice, bob):
    cron = await alice.crons.create("echo", schedule=DAILY, input={"value": 1})
    cron_id = cron["cron_id"]
    assert cron["user_id"] == "alice" and cron["metadata"]["owner"] == "alice"
    for call in (
        bob.http.get(f"/runs/crons/{cron_id}"),
        bob.crons.update(cron_id, schedule="0 10 * * *"),
        bob.crons.delete(cron_id),
    ):
        assert await refused_with(call) == 404
    kept = await alice.http.get(f"/runs/crons/{cron_id}")
    assert kept["schedule"] == DAILY
    await alice.crons.delete(cron_id)


async def test_a_cron_on_another_users_assistant_or_thread_is_refused_as_missing(alice, bob):
    aid = (await alice.assistants.create("echo"))["assistant_id"]
    thread = await alice.threads.create()
    before = await bob.crons.count()
    assert await refused_with(bob.crons.create(aid, schedule=DAILY)) == 404
    assert (
        await refused_with(bob.crons.create_for_thread(thread["thread_id"], "echo", schedule=DAILY))
        == 404
    )
    assert await bob.crons.count() == before


async def test_cron_search_and_count_show_the_callers_own_past_the_first_page(alice, bob):
    shared = tag()
    thread = await alice.threads.create()
    alices = [
        (await alice.crons.create("echo", schedule=DAILY, metadata=shared))["cron_id"]
        for _ in range(2)
    ]
    alices.append(
        (
            await alice.crons.create_for_thread(
                thread["thread_id"], "echo", schedule=DAILY, metadata=shared
            )
        )["cron_id"]
    )
    bobs = [(await bob.crons.create("echo", schedule=DAILY, metadata=shared))["cron_id"]]
    pages = [
        await alice.crons.search(
            metadata=shared, limit=2, offset=offset, sort_by="created_at", sort_order="asc"
        )
        for offset in (0, 2)
    ]
    assert [[c["cron_id"] for c in p] for p in pages] == [alices[:2], alices[2:]]
    assert await alice.crons.count(metadata=shared) == 3
    assert [c["cron_id"] for c in await bob.crons.search(metadata=shared)] == bobs
    assert await bob.crons.count(metadata=shared) == 1
    assert await bob.crons.search(thread_id=thread["thread_id"]) == []


async def test_a_stateless_cron_fires_as_its_creator(alice):
    cron = await alice.crons.create(
        "whoami", schedule=EVERY_SECOND, input={}, on_run_completed="keep"
    )
    mine = {"cron_id": cron["cron_id"]}
    threads = await eventually(
        lambda: alice.threads.search(metadata=mine, limit=10),
        lambda ts: any(t["status"] == "idle" for t in ts),
    )
    await alice.crons.delete(cron["cron_id"])
    done = [t for t in threads if t["status"] == "idle"]
    assert done, threads
    assert done[0]["metadata"]["owner"] == "alice"  # the tick's thread is alice's
    assert done[0]["values"]["seen"]["user_id"] == "alice"
    assert done[0]["values"]["seen"]["server_info_identity"] == "alice"


async def test_a_thread_cron_fires_as_its_creator_until_the_thread_is_no_longer_theirs(alice, bob):
    thread_id = (await alice.threads.create())["thread_id"]
    cron = await alice.crons.create_for_thread(thread_id, "whoami", schedule=EVERY_SECOND, input={})
    runs = await eventually(
        lambda: alice.runs.list(thread_id), lambda rs: any(r["status"] == "success" for r in rs)
    )
    assert any(r["status"] == "success" for r in runs), runs
    assert (await alice.threads.get(thread_id))["values"]["seen"]["user_id"] == "alice"

    await alice.threads.update(thread_id, metadata={"owner": "bob"})  # given away
    settled = await eventually(
        lambda: bob.runs.list(thread_id, limit=100),
        lambda rs: all(r["status"] == "success" for r in rs),
    )
    await asyncio.sleep(3)  # several ticks: each is refused for alice, and skipped
    assert len(await bob.runs.list(thread_id, limit=100)) == len(settled)
    assert await alice.crons.search(thread_id=thread_id) == []  # its thread is not hers
    assert (await alice.http.get(f"/runs/crons/{cron['cron_id']}"))["cron_id"] == cron[
        "cron_id"
    ]  # skipped, not deleted
    await alice.crons.delete(cron["cron_id"])


# -- MCP and A2A --------------------------------------------------------------------


async def rpc(
    url: str, user: str, path: str, method: str, params: dict[str, Any] | None = None
) -> httpx.Response:
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        return await http.post(
            path,
            json={"jsonrpc": "2.0", "id": "1", "method": method, "params": params or {}},
            headers={
                "Authorization": f"Bearer token-{user}",
                "Accept": "application/json, text/event-stream",
            },
        )


async def tool_names(url: str, user: str) -> set[str]:
    names, cursor = set(), None
    while True:
        answer = (
            await rpc(url, user, "/mcp", "tools/list", {"cursor": cursor} if cursor else {})
        ).json()["result"]
        names |= {t["name"] for t in answer["tools"]}
        cursor = answer.get("nextCursor")
        if not cursor:
            return names


async def test_mcp_shows_and_runs_only_the_callers_assistants(auth_server_url, alice):
    name = f"alices_echo_{uuid.uuid4().hex[:8]}"
    await alice.assistants.create("echo", name=name)
    assert name in await tool_names(auth_server_url, "alice")
    bobs = await tool_names(auth_server_url, "bob")
    assert name not in bobs and "echo" in bobs  # system assistants are everyone's
    refused = (
        await rpc(
            auth_server_url,
            "bob",
            "/mcp",
            "tools/call",
            {"name": name, "arguments": {"value": "x"}},
        )
    ).json()
    assert "error" in refused and "result" not in refused
    ran = (
        await rpc(
            auth_server_url,
            "alice",
            "/mcp",
            "tools/call",
            {"name": name, "arguments": {"value": "x"}},
        )
    ).json()
    assert ran["result"]["structuredContent"]["value"] == "x"


def a2a_message(text: str, context_id: str | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {
        "role": "user",
        "messageId": uuid.uuid4().hex,
        "parts": [{"kind": "data", "data": {"value": text}}],
    }
    if context_id:
        message["contextId"] = context_id
    return {"message": message}


async def test_a2a_reaches_only_the_callers_assistants_threads_and_tasks(auth_server_url, alice):
    url = auth_server_url
    aid = (await alice.assistants.create("echo"))["assistant_id"]
    refused = await rpc(url, "bob", f"/a2a/{aid}", "message/send", a2a_message("hi"))
    assert refused.status_code == 404
    async with httpx.AsyncClient(base_url=url) as http:
        card = await http.get(
            "/.well-known/agent-card.json",
            params={"assistant_id": aid},
            headers={"Authorization": "Bearer token-bob"},
        )
    assert card.status_code == 404

    # on the system echo assistant (everyone's), bob cannot continue alice's
    # context (her thread) or read her task
    echo = ECHO
    task = (await rpc(url, "alice", f"/a2a/{echo}", "message/send", a2a_message("hi"))).json()[
        "result"
    ]
    assert task["status"]["state"] == "completed"
    on_hers = (
        await rpc(url, "bob", f"/a2a/{echo}", "message/send", a2a_message("hi", task["contextId"]))
    ).json()
    assert "error" in on_hers and "result" not in on_hers
    peek = (await rpc(url, "bob", f"/a2a/{echo}", "tasks/get", {"id": task["id"]})).json()
    assert peek["error"]["code"] == -32001  # task not found
    mine = (await rpc(url, "alice", f"/a2a/{echo}", "tasks/get", {"id": task["id"]})).json()
    assert mine["result"]["status"]["state"] == "completed"
