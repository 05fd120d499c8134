"""What a client does cannot grow the server's memory without bound: a
WebSocket's subscriptions are capped, a client that does not read its stream
holds up only its own reader (and loses nothing once it reads), and creating
threads does not pin memory per thread. `/ok` stays fast meanwhile.

Memory is measured on a fresh server (`fresh_server_url`): memory another
test freed is reused without growing the RSS, and would hide a leak."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import time
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

import httpx
import psutil
import pytest
from langgraph_sdk import get_client
from websockets.asyncio.client import connect

from e2e_servers import MODES, server
from e2e_support import eventually, new_thread, parse_frames

pytestmark = pytest.mark.e2e

MB = 1 << 20
CHUNKS, CHUNK_SIZE = 300, 256 * 1024  # `flood`: 75 MB of output


@pytest.fixture(params=MODES)
def fresh_server_url(request, counter_dir: Path) -> Iterator[str]:
    with server(request, counter_dir) as url:
        yield url


def _server_process(server_url: str) -> psutil.Process:
    """The process answering HTTP (in `split` mode the API, not the worker)."""
    port = urlsplit(server_url).port
    for conn in psutil.net_connections(kind="tcp"):
        if conn.status == psutil.CONN_LISTEN and conn.laddr.port == port and conn.pid:
            return psutil.Process(conn.pid)
    raise AssertionError(f"no process listens on port {port}")


def _rss(process: psutil.Process) -> float:
    return process.memory_info().rss / MB


async def _ok_latencies(server_url: str, samples: int = 5) -> list[float]:
    out = []
    async with httpx.AsyncClient(base_url=server_url, timeout=10) as http:
        for _ in range(samples):
            start = time.monotonic()
            assert (await http.get("/ok")).status_code == 200
            out.append(time.monotonic() - start)
            await asyncio.sleep(0.1)
    return out


def _ws_url(server_url: str, thread_id: str) -> str:
    return server_url.replace("http", "ws", 1) + f"/threads/{thread_id}/stream/events"


async def _answer(ws, cid: int) -> dict:
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), 30))
        if message.get("id") == cid:
            return message


def _subscribe(cid: int, **params) -> str:
    return json.dumps(
        {
            "id": cid,
            "method": "subscription.subscribe",
            "params": {"channels": ["lifecycle"], **params},
        }
    )


# -- WebSocket subscriptions -------------------------------------------------------


async def test_a_websocket_may_hold_64_subscriptions_and_stays_usable_beyond(
    server_url: str, client
) -> None:
    thread_id = await new_thread(client)
    async with connect(_ws_url(server_url, thread_id)) as ws:
        for cid in range(1, 65):
            await ws.send(_subscribe(cid, subscription_id=f"s{cid}"))
            assert (await _answer(ws, cid))["type"] == "success", cid
        await ws.send(_subscribe(65))
        refused = await _answer(ws, 65)
        assert (refused["type"], refused["error"]) == ("error", "resource_exhausted")
        assert "64" in refused["message"] and "subscriptions" in refused["message"]

        await ws.send(_subscribe(66, subscription_id="s1"))  # replacing one is no new one
        assert (await _answer(ws, 66))["type"] == "success"
        await ws.send(
            json.dumps(
                {
                    "id": 67,
                    "method": "subscription.unsubscribe",
                    "params": {"subscription_id": "s2"},
                }
            )
        )
        assert (await _answer(ws, 67))["type"] == "success"
        await ws.send(_subscribe(68))
        assert (await _answer(ws, 68))["type"] == "success"


async def test_an_overlong_subscription_id_is_refused_in_band(server_url: str, client) -> None:
    thread_id = await new_thread(client)
    async with connect(_ws_url(server_url, thread_id)) as ws:
        await ws.send(_subscribe(1, subscription_id="x" * 10_000))
        refused = await _answer(ws, 1)
        assert (refused["error"], "subscription_id" in refused["message"]) == (
            "invalid_argument",
            True,
        )
        await ws.send(_subscribe(2))
        assert (await _answer(ws, 2))["type"] == "success"


# -- a client that does not read --------------------------------------------------


async def _finished(client, thread_id: str) -> None:
    runs = await eventually(
        lambda: client.runs.list(thread_id),
        lambda rs: bool(rs) and rs[0]["status"] == "success",
        timeout=90,
    )
    assert runs[0]["status"] == "success"


def _flood_body() -> dict:
    return {
        "assistant_id": "flood",
        "input": {"chunks": CHUNKS, "size": CHUNK_SIZE},
        "stream_mode": ["custom"],
    }


async def test_a_client_that_does_not_read_its_stream_costs_bounded_memory_and_loses_nothing(
    fresh_server_url: str,
) -> None:
    server_url, client = fresh_server_url, get_client(url=fresh_server_url)
    process = _server_process(server_url)
    thread_id = await new_thread(client)
    before = _rss(process)
    async with httpx.AsyncClient(base_url=server_url, timeout=120) as http:
        async with http.stream(
            "POST", f"/threads/{thread_id}/runs/stream", json=_flood_body()
        ) as response:
            assert response.status_code == 200
            await _finished(client, thread_id)  # all 75 MB are in NATS; we read none
            await asyncio.sleep(3)  # time for the server to pull what it would
            grown = _rss(process) - before
            latencies = await _ok_latencies(server_url)
            raw = "".join([text async for text in response.aiter_text()])
    assert grown < 40, f"the server grew by {grown:.0f} MB for one unread stream"
    assert max(latencies) < 0.1, latencies
    custom = [f.data["n"] for f in parse_frames(raw) if f.event == "custom"]
    assert custom == list(range(CHUNKS))


def _raw_websocket(server_url: str, thread_id: str) -> socket.socket:
    """A WebSocket that reads nothing after its handshake, with a small receive
    buffer (a client library would read frames into its own memory)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", urlsplit(server_url).port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET /threads/{thread_id}/stream/events HTTP/1.1\r\n"
            "Host: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        head += sock.recv(1)
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


def _text_frame(message: dict) -> bytes:
    """One masked text frame (RFC 6455 5.2), as a client must send it."""
    payload, mask = json.dumps(message).encode(), os.urandom(4)
    size = (
        bytes([0x80 | len(payload)])
        if len(payload) < 126
        else bytes([0x80 | 126]) + len(payload).to_bytes(2, "big")
    )
    return b"\x81" + size + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


async def test_a_websocket_that_does_not_read_costs_bounded_memory(fresh_server_url: str) -> None:
    server_url, client = fresh_server_url, get_client(url=fresh_server_url)
    process = _server_process(server_url)
    thread_id = await new_thread(client)
    before = _rss(process)
    sock = _raw_websocket(server_url, thread_id)
    try:
        sock.sendall(
            _text_frame(
                {"id": 1, "method": "subscription.subscribe", "params": {"channels": ["custom"]}}
            )
        )
        await asyncio.sleep(0.5)  # subscribed before the run starts
        sock.sendall(_text_frame({"id": 2, "method": "run.start", "params": _flood_body()}))
        await _finished(client, thread_id)
        await asyncio.sleep(3)
        grown = _rss(process) - before
        latencies = await _ok_latencies(server_url)
    finally:
        sock.close()
    assert grown < 40, f"the server grew by {grown:.0f} MB for one unread WebSocket"
    assert max(latencies) < 0.1, latencies


# -- threads ---------------------------------------------------------------------


async def _create_threads(server_url: str, count: int) -> None:
    limit = asyncio.Semaphore(16)
    async with httpx.AsyncClient(base_url=server_url, timeout=60) as http:

        async def one() -> None:
            async with limit:
                (await http.post("/threads", json={})).raise_for_status()

        await asyncio.gather(*(one() for _ in range(count)))


async def test_creating_threads_does_not_pin_kilobytes_per_thread(fresh_server_url: str) -> None:
    """Each new thread used to keep ~4.5 KB for good (60,000 threads: +260 MB)."""
    server_url = fresh_server_url
    process = _server_process(server_url)
    await _create_threads(server_url, 500)  # warm-up: pools, caches, code paths
    before = _rss(process)
    await _create_threads(server_url, 3000)
    per_thread = (_rss(process) - before) * MB / 3000
    assert per_thread < 1500, f"{per_thread:.0f} bytes of RSS per thread"
