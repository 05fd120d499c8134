"""The in-process transport: a response streams as the app sends it, and a
caller that stops reading disconnects the app (which then ends)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from duragraph.api.asgi_stream import StreamingASGITransport


async def test_chunks_arrive_before_the_app_ends_and_closing_disconnects_it() -> None:
    sent, saw_disconnect = asyncio.Event(), asyncio.Event()

    async def endless(scope: dict, receive: Any, send: Any) -> None:
        assert (await receive())["type"] == "http.request"
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"first", "more_body": True})
        sent.set()
        if (await receive())["type"] == "http.disconnect":
            saw_disconnect.set()

    async with httpx.AsyncClient(
        transport=StreamingASGITransport(endless), base_url="http://api"
    ) as http:
        async with http.stream("GET", "/") as response:
            assert await response.aiter_bytes().__anext__() == b"first"
    assert sent.is_set() and saw_disconnect.is_set()


async def test_an_app_that_fails_before_answering_fails_the_request() -> None:
    async def broken(scope: dict, receive: Any, send: Any) -> None:
        raise LookupError("no answer")

    async with httpx.AsyncClient(
        transport=StreamingASGITransport(broken), base_url="http://api"
    ) as http:
        with pytest.raises(LookupError, match="no answer"):
            await http.get("/")
