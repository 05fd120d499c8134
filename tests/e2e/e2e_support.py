"""Small helpers the e2e tests share: polling through the SDK and reading
raw Server-Sent Events with httpx (the SDK hides `id:` lines and comments)."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

import httpx

TERMINAL = ("success", "error", "interrupted", "timeout")


@dataclass(frozen=True, slots=True)
class Frame:
    event: str
    data: Any
    id: str | None


async def new_thread(client: Any, **metadata: Any) -> str:
    thread = await client.threads.create(metadata=metadata)
    return thread["thread_id"]


async def eventually(
    probe: Callable[[], Awaitable[Any]], ok: Callable[[Any], bool], timeout: float = 30.0
) -> Any:
    """Probe until `ok` holds or the timeout passes; returns the last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if ok(value) or time.monotonic() > deadline:
            return value
        await asyncio.sleep(0.2)


async def wait_for_run_status(
    client: Any,
    thread_id: str,
    run_id: str,
    statuses: tuple[str, ...] = TERMINAL,
    timeout: float = 10.0,
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        run = await client.runs.get(thread_id, run_id)
        if run["status"] in statuses or time.monotonic() > deadline:
            return run
        await asyncio.sleep(0.05)


async def wait_for_thread_status(
    client: Any, thread_id: str, status: str, timeout: float = 10.0
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        thread = await client.threads.get(thread_id)
        if thread["status"] == status or time.monotonic() > deadline:
            return thread
        await asyncio.sleep(0.05)


def parse_frames(raw: str) -> list[Frame]:
    """SSE blocks -> frames; comment-only blocks (heartbeats) are skipped."""
    frames = []
    for block in raw.replace("\r\n", "\n").split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.split("\n"):
            if line and not line.startswith(":") and ":" in line:
                key, _, value = line.partition(":")
                fields[key] = value[1:] if value.startswith(" ") else value
        if "event" in fields:
            frames.append(
                Frame(fields["event"], json.loads(fields.get("data") or "null"), fields.get("id"))
            )
    return frames


async def raw_stream(
    server_url: str,
    path: str,
    body: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[httpx.Response, list[Frame]]:
    """POST (with a body) or GET a stream; returns the response and its frames."""
    async with httpx.AsyncClient(base_url=server_url, timeout=30) as http:
        method = "POST" if body is not None else "GET"
        async with http.stream(method, path, json=body, headers=headers) as response:
            raw = (await response.aread()).decode()
    return response, parse_frames(raw)


async def collect(client: Any, thread_id: str | None, assistant_id: str, **kwargs: Any) -> list:
    """Every part of a streamed run."""
    return [p async for p in client.runs.stream(thread_id, assistant_id, **kwargs)]


def of(parts: list, event: str) -> list:
    """The data of the parts of one event."""
    return [p.data for p in parts if p.event == event]


async def steps_thread(client: Any) -> tuple[str, list[dict]]:
    """A thread that ran the `steps` graph once, and its history (newest first)."""
    thread_id = await new_thread(client)
    await client.runs.wait(thread_id, "steps", input={})
    return thread_id, await client.threads.get_history(thread_id)


async def send(server_url: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """One plain HTTP request, as a client that is not the SDK would send it."""
    async with httpx.AsyncClient(base_url=server_url, timeout=10) as http:
        return await http.request(method, path, **kwargs)


def assert_refused(response: httpx.Response, status: int, *words: str) -> None:
    """A JSON error of `status` whose string `detail` names each of `words`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    detail = response.json()["detail"]
    assert isinstance(detail, str) and detail
    for word in words:
        assert word.lower() in detail.lower(), detail
