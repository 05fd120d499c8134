"""A lean SSE client for benchmarks that follow many streams from one process.

One POST per connection over asyncio streams; the response's body (chunked,
as uvicorn sends a stream, or plain) is split into lines as it arrives. With
httpx, following 1,000 streams that carry 40 tokens each kept the client's
event loop seconds behind, so the latencies it measured were its own; this
costs a fraction of that per chunk. Both servers are read through it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit


class StatusError(Exception):
    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"HTTP {status}: {body[:200]}")
        self.status = status


async def post_lines(
    url: str, path: str, body: Any, *, connect_timeout: float = 120.0
) -> AsyncIterator[str]:
    """POST `body` as JSON to `url` + `path`; yield the response's lines
    (without their line ends) until it ends. A status other than 200 raises
    StatusError before any line."""
    where = urlsplit(url)
    host, port = where.hostname or "127.0.0.1", where.port or 80
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection(host, port, limit=1 << 22), connect_timeout
    )
    try:
        payload = json.dumps(body).encode()
        writer.write(_request(host, port, path, payload))
        status, headers = await _head(reader)
        if status != 200:
            raise StatusError(status, (await reader.read(4096)).decode(errors="replace"))
        chunked = "chunked" in headers.get("transfer-encoding", "")
        pending = b""
        async for data in _chunks(reader) if chunked else _plain(reader):
            pending += data
            *lines, pending = pending.split(b"\n")
            for line in lines:
                yield line.rstrip(b"\r").decode()
        if pending:
            yield pending.rstrip(b"\r").decode()
    finally:
        writer.close()


def _request(host: str, port: int, path: str, payload: bytes) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        "Content-Type: application/json\r\nAccept: text/event-stream\r\n"
        f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + payload


async def _head(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    raw = await reader.readuntil(b"\r\n\r\n")
    status_line, *lines = raw.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip().lower()
    return int(status_line.split()[1]), headers


async def _chunks(reader: asyncio.StreamReader) -> AsyncIterator[bytes]:
    while True:
        size = int((await reader.readline()).split(b";")[0], 16)
        if size == 0:
            return
        data = await reader.readexactly(size + 2)  # the chunk and its CRLF
        yield data[:-2]


async def _plain(reader: asyncio.StreamReader) -> AsyncIterator[bytes]:
    while data := await reader.read(1 << 16):
        yield data
