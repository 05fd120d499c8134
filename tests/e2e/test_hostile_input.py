"""Input that PostgreSQL or the server cannot hold is refused at the edge,
naming the field: a NUL character in a JSON string or key, a lone surrogate,
an integer beyond 64 bits, a NUL in the URL; a body over the size limit is a
413 that costs no memory; binary WebSocket frames close with a reason."""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from asyncio.subprocess import PIPE
from typing import AsyncIterator

import httpx
import psutil
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from e2e_support import assert_refused, new_thread, send

pytestmark = pytest.mark.e2e

ECHO = "echo"
NUL = "a\u0000b"
MAX_BODY_BYTES = 10 * 1024 * 1024  # the default limit


def raw(text: str) -> dict:
    """A hand-written JSON body (httpx's json= would refuse lone surrogates)."""
    return {"content": text.encode(), "headers": {"content-type": "application/json"}}


@pytest.mark.parametrize(
    "path, body, field",
    [
        ("/threads", {"metadata": {"foo": NUL}}, "metadata.foo"),
        ("/threads", {"metadata": {NUL: 1}}, "metadata.a\\x00b"),
        (
            "/assistants",
            {"graph_id": ECHO, "config": {"configurable": {"k": NUL}}},
            "config.configurable.k",
        ),
        ("/runs/wait", {"assistant_id": ECHO, "input": {"value": [1, NUL]}}, "input.value.1"),
        ("/threads", {"metadata": {"n": 2**63}}, "metadata.n"),
        ("/threads", {"metadata": {"n": -(2**63) - 1}}, "metadata.n"),
        ("/threads/search", {"metadata": {"m": NUL}}, "metadata.m"),
    ],
)
async def test_values_postgresql_cannot_store_are_refused_naming_the_field(
    server_url: str, path: str, body: dict, field: str
) -> None:
    response = await send(server_url, "POST", path, json=body)
    assert_refused(response, 422, f"{field}: ")


async def test_a_lone_surrogate_is_refused_and_a_surrogate_pair_is_kept(
    server_url: str, client
) -> None:
    lone = await send(server_url, "POST", "/threads", **raw('{"metadata": {"name": "x\\ud800y"}}'))
    assert_refused(lone, 422, "metadata.name: ", "surrogate")
    pair = await send(
        server_url, "POST", "/threads", **raw('{"metadata": {"name": "\\ud83d\\ude00"}}')
    )
    assert pair.status_code == 200, pair.text
    assert (await client.threads.get(pair.json()["thread_id"]))["metadata"]["name"] == "😀"


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400"])
async def test_a_number_that_is_not_finite_is_refused(server_url: str, number: str) -> None:
    response = await send(
        server_url, "POST", "/threads", **raw(f'{{"metadata": {{"x": [{number}]}}}}')
    )
    assert_refused(response, 422, "metadata.x.0: ", "finite")


async def test_64_bit_integers_at_the_limits_are_kept(server_url: str, client) -> None:
    body = {"metadata": {"high": 2**63 - 1, "low": -(2**63)}}
    response = await send(server_url, "POST", "/threads", json=body)
    assert response.status_code == 200, response.text
    stored = await client.threads.get(response.json()["thread_id"])
    assert (stored["metadata"]["high"], stored["metadata"]["low"]) == (2**63 - 1, -(2**63))


async def test_a_run_whose_input_cannot_be_stored_leaves_nothing_behind(
    server_url: str, client
) -> None:
    thread_id = await new_thread(client)
    before = await client.threads.get(thread_id)
    response = await send(
        server_url,
        "POST",
        f"/threads/{thread_id}/runs",
        json={"assistant_id": ECHO, "input": {"text": NUL}},
    )
    assert_refused(response, 422, "input.text: ", "NUL")
    assert await client.runs.list(thread_id) == []
    assert await client.threads.get(thread_id) == before
    assert (await client.runs.wait(thread_id, ECHO, input={"value": 1}))["value"] == 1


async def test_a_store_value_with_a_nul_is_refused(server_url: str, client) -> None:
    key = uuid.uuid4().hex
    response = await send(
        server_url,
        "PUT",
        "/store/items",
        json={"namespace": ["hostile"], "key": key, "value": {"text": NUL}},
    )
    assert_refused(response, 422, "value.text: ")
    found = await client.store.search_items(["hostile"], limit=100)
    assert key not in [item["key"] for item in found["items"]]


@pytest.mark.parametrize(
    "path, field",
    [
        ("/threads/{thread}%00", "thread_id"),
        ("/threads/{thread}/runs/abc%00def", "run_id"),
        ("/api/v1/threads/%00/state", "thread_id"),
        ("/assistants/%00", "assistant_id"),
    ],
)
async def test_a_nul_in_a_path_segment_is_refused_naming_it(
    server_url: str, client, path: str, field: str
) -> None:
    thread_id = await new_thread(client)
    response = await send(server_url, "GET", path.format(thread=thread_id))
    assert_refused(response, 422, field, "NUL")


@pytest.mark.parametrize(
    "query, field",
    [("status=%00", "status"), ("limit=1&metadata=x%00", "metadata"), ("a%00=1", "a")],
)
async def test_a_nul_in_a_query_parameter_is_refused_naming_it(
    server_url: str, client, query: str, field: str
) -> None:
    thread_id = await new_thread(client)
    response = await send(server_url, "GET", f"/threads/{thread_id}/runs?{query}")
    assert_refused(response, 422, field, "NUL")


# -- JSON-RPC: the error shape of MCP and A2A ------------------------------------------


async def test_mcp_params_with_a_nul_are_an_invalid_params_error(server_url: str) -> None:
    body = {
        "jsonrpc": "2.0",
        "id": 7,
        "method": "tools/call",
        "params": {"name": "echo", "arguments": {"value": NUL}},
    }
    response = await send(
        server_url, "POST", "/mcp", json=body, headers={"Accept": "application/json"}
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["id"], answer["error"]["code"]) == (7, -32602)
    assert "params.arguments.value: NUL" in answer["error"]["message"]


async def test_a2a_params_with_a_nul_are_an_invalid_params_error(server_url: str) -> None:
    body = {
        "jsonrpc": "2.0",
        "id": "x",
        "method": "message/send",
        "params": {
            "message": {"role": "user", "messageId": "m", "parts": [{"kind": "text", "text": NUL}]}
        },
    }
    response = await send(
        server_url,
        "POST",
        f"/a2a/{uuid.uuid4()}",
        json=body,
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200, response.text
    error = response.json()["error"]
    assert (response.json()["id"], error["code"]) == ("x", -32602)
    assert "params.message.parts.0.text: NUL" in error["message"]


async def test_a_json_rpc_envelope_with_a_nul_is_a_400(server_url: str) -> None:
    response = await send(
        server_url,
        "POST",
        "/mcp",
        json={"jsonrpc": "2.0", "id": 1, "method": NUL},
        headers={"Accept": "application/json"},
    )
    assert_refused(response, 400, "method: NUL")
    assert response.json()["error"]["code"] == -32600


async def test_a_protocol_command_with_a_nul_is_an_invalid_argument_envelope(
    server_url: str, client
) -> None:
    thread_id = await new_thread(client)
    response = await send(
        server_url,
        "POST",
        f"/threads/{thread_id}/commands",
        json={
            "id": 3,
            "method": "run.start",
            "params": {"assistant_id": ECHO, "input": {"t": NUL}},
        },
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["type"], answer["id"], answer["error"]) == ("error", 3, "invalid_argument")
    assert "params.input.t: NUL" in answer["message"]
    assert await client.runs.list(thread_id) == []


# -- the WebSocket ---------------------------------------------------------------------


def _ws_url(server_url: str, thread_id: str) -> str:
    return server_url.replace("http", "ws", 1) + f"/threads/{thread_id}/stream/events"


async def test_a_binary_websocket_frame_closes_the_socket_with_a_reason(
    server_url: str, client
) -> None:
    thread_id = await new_thread(client)
    async with connect(_ws_url(server_url, thread_id)) as ws:
        await ws.send(b'{"id": 1, "method": "agent.getTree"}')
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
    assert closed.value.rcvd.code == 1003
    assert "binary" in closed.value.rcvd.reason


async def test_a_websocket_run_start_whose_input_cannot_be_stored_is_an_error_frame(
    server_url: str, client
) -> None:
    thread_id = await new_thread(client)
    async with connect(_ws_url(server_url, thread_id)) as ws:
        await ws.send(
            json.dumps(
                {
                    "id": 1,
                    "method": "run.start",
                    "params": {"assistant_id": ECHO, "input": {"text": NUL}},
                }
            )
        )
        refused = json.loads(await asyncio.wait_for(ws.recv(), 10))
        await ws.send(json.dumps({"id": 2, "method": "agent.getTree"}))
        still_open = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert (refused["type"], refused["error"]) == ("error", "invalid_argument")
    assert "params.input.text: NUL" in refused["message"]
    assert (still_open["id"], still_open["error"]) == (2, "no_such_run")
    assert await client.runs.list(thread_id) == []


async def test_a_websocket_to_a_thread_id_with_a_nul_is_refused(server_url: str) -> None:
    with pytest.raises(InvalidStatus) as refused:  # closed before the handshake completes
        async with connect(_ws_url(server_url, "abc%00")):
            pass
    assert refused.value.response.status_code == 403


async def test_a_websocket_with_a_nul_in_its_query_is_refused(server_url: str, client) -> None:
    thread_id = await new_thread(client)
    with pytest.raises(InvalidStatus) as refused:
        async with connect(_ws_url(server_url, thread_id) + "?x=%00"):
            pass
    assert refused.value.response.status_code == 403


# -- the body size limit ---------------------------------------------------------------


def _server_process(server_url: str) -> psutil.Process:
    port = httpx.URL(server_url).port
    for connection in psutil.net_connections(kind="tcp"):
        if connection.laddr and connection.laddr.port == port and connection.status == "LISTEN":
            return psutil.Process(connection.pid)
    raise AssertionError(f"no process listens on {port}")


async def _chunks(total: int, size: int = 1024 * 1024) -> AsyncIterator[bytes]:
    chunk = b"[" + b"1," * (size // 2 - 1)
    for _ in range(total // len(chunk)):
        yield chunk


# The slowest /ok until stdin closes, probed from a process of its own: the
# test process is busy sending the uploads and would delay the probe itself.
PROBE = """
import sys, threading, time, httpx
done = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
slowest = 0.0
with httpx.Client(base_url=sys.argv[1], timeout=10) as http:
    while not done.is_set():
        started = time.monotonic()
        assert http.get("/ok").status_code == 200
        slowest = max(slowest, time.monotonic() - started)
        time.sleep(0.02)
print(slowest)
"""


HUGE = 100 * 1024 * 1024


async def _upload(server_url: str, body: bytes | None) -> httpx.Response:
    """`body` with its Content-Length, or (None) as many bytes chunked."""
    async with httpx.AsyncClient(base_url=server_url, timeout=60) as http:
        return await http.post(
            "/threads",
            content=body if body else _chunks(HUGE),
            headers={"content-type": "application/json"},
        )


async def test_a_huge_body_is_a_413_that_costs_no_memory_and_the_server_stays_quick(
    server_url: str,
) -> None:
    process = _server_process(server_url)
    before = process.memory_info().rss
    body = b"[" + b"1," * (HUGE // 2) + b"1]"
    probe = await asyncio.create_subprocess_exec(
        sys.executable, "-c", PROBE, server_url, stdin=PIPE, stdout=PIPE
    )
    await asyncio.sleep(0.5)  # the probe has started
    responses = await asyncio.gather(*(_upload(server_url, b) for b in (None, body) * 2))
    slowest = float((await probe.communicate(b""))[0])
    grown = process.memory_info().rss - before
    assert grown < 40 * 1024 * 1024, f"RSS grew by {grown / 2**20:.0f} MiB"
    assert slowest < 0.1, f"/ok took {slowest * 1000:.0f} ms during the uploads"
    for response in responses:
        assert_refused(response, 413, "larger than", str(MAX_BODY_BYTES))


async def test_a_body_just_under_the_limit_is_accepted(server_url: str, client) -> None:
    text = "x" * (MAX_BODY_BYTES - 1000)
    response = await send(server_url, "POST", "/threads", json={"metadata": {"big": text}})
    assert response.status_code == 200, response.text[:200]
    assert len((await client.threads.get(response.json()["thread_id"]))["metadata"]["big"]) == len(
        text
    )
