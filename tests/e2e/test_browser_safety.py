"""Without auth, a web page on another site cannot drive the server through its
visitor's browser: a "simple" cross-origin write (text/plain, no preflight) is
refused before it does anything, so is a WebSocket from that origin and any
request addressed to a foreign host name (DNS rebinding). Pages on this
machine and LangGraph Studio still work; SDK clients send no Origin."""

from __future__ import annotations

import json
import socket
import uuid
from urllib.parse import urlsplit

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from e2e_support import new_thread

pytestmark = pytest.mark.e2e

EVIL = "https://evil.example"
LOCAL = "http://localhost:3000"
STUDIO = "https://smith.langchain.com"
ECHO = str(uuid.uuid5(uuid.UUID("6ba7b821-9dad-11d1-80b4-00c04fd430c8"), "echo"))


def simple(origin: str) -> dict[str, str]:
    """What a browser sends for fetch(url, {method: "POST", body: "..."})."""
    return {"Origin": origin, "Content-Type": "text/plain;charset=UTF-8"}


def preflight(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }


def rpc(method: str, params: dict | None = None) -> bytes:
    return json.dumps(
        {"jsonrpc": "2.0", "id": 1, "method": method, "params": params or {}}
    ).encode()


async def test_a_simple_cross_origin_write_is_refused_and_does_nothing(
    server_url: str, client
) -> None:
    marker = uuid.uuid4().hex
    thread_id = await new_thread(client)
    start = {"id": 1, "method": "run.start", "params": {"assistant_id": "echo", "input": {}}}
    writes = [
        ("/threads", {"metadata": {"marker": marker}}),
        (f"/threads/{thread_id}/commands", start),
        ("/mcp", json.loads(rpc("tools/call", {"name": "echo", "arguments": {}}))),
        (f"/a2a/{ECHO}", json.loads(rpc("message/send"))),
    ]
    async with httpx.AsyncClient(base_url=server_url, timeout=30) as http:
        for path, body in writes:
            refused = await http.post(path, content=json.dumps(body), headers=simple(EVIL))
            assert refused.status_code == 403, path
            assert refused.json()["detail"].startswith(f"origin {EVIL} is not allowed"), path
        put = await http.put(
            "/store/items",
            headers={"Origin": EVIL},
            json={"namespace": [marker], "key": "k", "value": {"v": 1}},
        )
        assert put.status_code == 403
    assert await client.threads.search(metadata={"marker": marker}) == []
    assert await client.runs.list(thread_id) == []
    assert await client.store.get_item([marker], "k") is None


async def test_the_same_writes_from_a_page_on_this_machine_work(server_url: str, client) -> None:
    marker = uuid.uuid4().hex
    async with httpx.AsyncClient(base_url=server_url, timeout=30) as http:
        created = await http.post(
            "/threads", json={"metadata": {"m": marker}}, headers={"Origin": LOCAL}
        )
        listed = await http.post(
            "/mcp",
            content=rpc("tools/list"),
            headers={**simple(LOCAL), "Accept": "application/json, text/event-stream"},
        )
    assert created.status_code == 200, created.text
    assert created.headers["access-control-allow-origin"] == LOCAL
    assert [t["thread_id"] for t in await client.threads.search(metadata={"m": marker})] == [
        created.json()["thread_id"]
    ]
    assert listed.status_code == 200 and listed.json()["result"]["tools"]


async def test_reads_from_another_origin_pass_but_the_page_cannot_read_them(
    server_url: str,
) -> None:
    async with httpx.AsyncClient(base_url=server_url) as http:
        response = await http.get("/info", headers={"Origin": EVIL})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


async def test_studio_passes_the_preflight_and_a_foreign_page_does_not(server_url: str) -> None:
    async with httpx.AsyncClient(base_url=server_url) as http:
        studio = await http.options("/threads/search", headers=preflight(STUDIO))
        evil = await http.options("/threads/search", headers=preflight(EVIL))
        searched = await http.post("/threads/search", json={}, headers={"Origin": STUDIO})
    assert studio.status_code == 200
    assert studio.headers["access-control-allow-origin"] == STUDIO
    assert evil.status_code == 400 and "access-control-allow-origin" not in evil.headers
    assert searched.status_code == 200
    assert searched.headers["access-control-allow-origin"] == STUDIO
    assert "access-control-allow-credentials" not in searched.headers


async def test_a_foreign_host_name_is_refused(server_url: str) -> None:
    async with httpx.AsyncClient(base_url=server_url) as http:
        rebound = await http.post("/threads/search", json={}, headers={"Host": "evil.example:2024"})
        health = await http.get("/ok", headers={"Host": "evil.example:2024"})
        named = await http.post("/threads/search", json={}, headers={"Host": "localhost"})
    assert rebound.status_code == 400
    assert "evil.example" in rebound.json()["detail"]
    assert "DURAGRAPH_ALLOWED_HOSTS" in rebound.json()["detail"]
    assert health.status_code == 200 and named.status_code == 200


def _ws_url(server_url: str, thread_id: str) -> str:
    return server_url.replace("http", "ws", 1) + f"/threads/{thread_id}/stream/events"


async def test_a_websocket_from_another_origin_is_refused(server_url: str, client) -> None:
    thread_id = await new_thread(client)
    with pytest.raises(InvalidStatus) as refused:
        async with connect(_ws_url(server_url, thread_id), origin=EVIL):
            pass
    assert refused.value.response.status_code == 403


async def test_a_websocket_to_a_foreign_host_name_is_refused(server_url: str, client) -> None:
    thread_id = await new_thread(client)
    port = urlsplit(server_url).port
    rebound = _ws_url(f"http://evil.example:{port}", thread_id)
    with (
        socket.create_connection(("127.0.0.1", port)) as sock,
        pytest.raises(InvalidStatus) as refused,
    ):
        async with connect(rebound, sock=sock):
            pass
    assert refused.value.response.status_code == 403


@pytest.mark.parametrize("origin", [None, LOCAL])
async def test_a_websocket_without_an_origin_or_from_this_machine_works(
    server_url: str, client, origin: str | None
) -> None:
    thread_id = await new_thread(client)
    async with connect(_ws_url(server_url, thread_id), origin=origin) as ws:
        await ws.send(json.dumps({"id": 1, "method": "agent.getTree"}))
        answer = json.loads(await ws.recv())
    assert (answer["id"], answer["error"]) == (1, "no_such_run")
