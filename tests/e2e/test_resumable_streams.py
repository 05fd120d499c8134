"""Resumable streams: every event carries a unique, strictly increasing id, and
a client that comes back with `Last-Event-ID` gets exactly the later events:
mid-stream, through the SDK following `Location`, across subgraph namespaces."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import subprocess
import tempfile
from typing import AsyncIterator

import httpx
import pytest
from langgraph_sdk import get_client

from e2e_support import Frame, new_thread, parse_frames, raw_stream, wait_for_run_status
from servers import command, free_port, stop, wait_ready

pytestmark = pytest.mark.e2e

BODY = {
    "assistant_id": "steps",
    "input": {"delay": 0.3},
    "stream_resumable": True,
    "stream_mode": ["values", "updates"],
}


async def first_frames(
    server_url: str, path: str, body: dict, count: int
) -> tuple[httpx.Headers, list[Frame]]:
    """Read `count` frames of a stream, then hang up."""
    raw = ""
    async with httpx.AsyncClient(base_url=server_url, timeout=30) as http:
        async with http.stream("POST", path, json=body) as response:
            async for text in response.aiter_text():
                raw += text
                complete = raw[: raw.rfind("\n\n") + 2] if "\n\n" in raw else ""
                if len(parse_frames(complete)) >= count:
                    return response.headers, parse_frames(complete)[:count]
    raise AssertionError(f"the stream ended before {count} frames")


def ids(frames: list) -> list[int]:
    return [int(f.id) for f in frames]


def assert_strictly_increasing(values: list[int]) -> None:
    assert all(a < b for a, b in itertools.pairwise(values)), values


async def test_reconnecting_with_last_event_id_gets_exactly_the_later_events(
    server_url: str, client
) -> None:
    thread_id = await new_thread(client)
    headers, before = await first_frames(
        server_url, f"/threads/{thread_id}/runs/stream", BODY, count=3
    )
    assert before[0].event == "metadata"
    run_id = before[0].data["run_id"]
    location = headers["location"]
    assert location == f"/threads/{thread_id}/runs/{run_id}/stream"

    _, after = await raw_stream(server_url, location, headers={"Last-Event-ID": before[-1].id})
    _, everything = await raw_stream(server_url, location)  # the run has ended: a replay

    assert ids(before) + ids(after) == ids(everything)  # the metadata frame included
    assert_strictly_increasing(ids(before) + ids(after))
    assert [list(f.data) for f in before[1:] + after if f.event == "updates"] == [
        ["one"],
        ["two"],
        ["three"],
    ]


async def test_the_sdk_joins_a_stream_after_a_given_event(client) -> None:
    thread_id = await new_thread(client)
    run = await client.runs.create(
        thread_id, "steps", input={}, stream_resumable=True, stream_mode=["values", "updates"]
    )
    await client.runs.join(thread_id, run["run_id"])
    everything = [p async for p in client.runs.join_stream(thread_id, run["run_id"])]
    for cut in (1, 4):
        later = [
            p
            async for p in client.runs.join_stream(
                thread_id, run["run_id"], last_event_id=everything[cut - 1].id
            )
        ]
        assert later == everything[cut:]
    assert_strictly_increasing(ids(everything))


async def test_resuming_across_subgraph_namespaces(server_url: str, client) -> None:
    thread_id = await new_thread(client)
    body = {
        "assistant_id": "subgraph",
        "input": {},
        "stream_mode": ["updates", "values"],
        "stream_subgraphs": True,
        "stream_resumable": True,
    }
    _, everything = await raw_stream(server_url, f"/threads/{thread_id}/runs/stream", body)
    frames = everything[1:]  # after the metadata
    assert_strictly_increasing(ids(frames))
    cut = next(i for i, f in enumerate(frames) if f.event.startswith("updates|child:"))
    location = f"/threads/{thread_id}/runs/{everything[0].data['run_id']}/stream"

    _, later = await raw_stream(server_url, location, headers={"Last-Event-ID": frames[cut].id})

    assert later == frames[cut + 1 :]
    assert [f.event.split("|")[0] for f in later if "|" in f.event] == [
        "values",
        "updates",
        "values",
    ]
    assert [list(f.data) for f in later if f.event == "updates"] == [["child"], ["after"]]


class DroppingProxy:
    """A TCP proxy that can cut every open connection, as a network blip does."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.writers: list[asyncio.StreamWriter] = []
        self.connections = 0

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.CancelledError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self.writers += [writer, up_writer]
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    def cut(self) -> None:
        for writer in self.writers:
            writer.transport.abort()
        self.writers.clear()

    @contextlib.asynccontextmanager
    async def serving(self) -> AsyncIterator[str]:
        server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            self.cut()
            server.close()


async def test_the_sdk_follows_location_after_a_dropped_connection(server_url: str, client) -> None:
    thread_id = await new_thread(client)
    proxy = DroppingProxy(int(server_url.rsplit(":", 1)[1]))
    async with proxy.serving() as proxied_url:
        proxied = get_client(url=proxied_url)
        parts = []
        async for part in proxied.runs.stream(
            thread_id,
            "steps",
            input={"delay": 0.5},
            stream_mode=["values", "updates"],
            stream_resumable=True,
        ):
            parts.append(part)
            if len(parts) == 3:
                proxy.cut()
    assert proxy.connections >= 2  # it came back
    run_id = parts[0].data["run_id"]
    everything = [p async for p in client.runs.join_stream(thread_id, run_id)]
    assert parts == everything
    assert_strictly_increasing(ids(parts))
    assert (await client.runs.get(thread_id, run_id))["status"] == "success"


def _start_dev(port: int, data_dir: str) -> subprocess.Popen:
    env = {**os.environ, "DURAGRAPH_GRACE_SECONDS": "0.5", "DURAGRAPH_LEASE_SECONDS": "3"}
    dev = subprocess.Popen(command("dev", "--port", str(port), "--data-dir", data_dir), env=env)
    wait_ready(f"http://127.0.0.1:{port}", [dev])
    return dev


async def read_until_closed(url: str, path: str, body: dict, into: list[Frame]) -> None:
    raw = ""
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        async with http.stream("POST", path, json=body) as response:
            async for text in response.aiter_text():
                raw += text
                into[:] = parse_frames(raw[: raw.rfind("\n\n") + 2])


async def wait_for(condition, timeout: float = 60.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_a_stream_resumes_after_the_server_restarts() -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="dg-restart-") as data_dir:
        dev = _start_dev(port, data_dir)
        try:
            client = get_client(url=url)
            thread_id = await new_thread(client)
            body = {**BODY, "input": {"delay": 3}, "durability": "sync"}
            before: list[Frame] = []
            reader = asyncio.create_task(
                read_until_closed(url, f"/threads/{thread_id}/runs/stream", body, before)
            )
            await wait_for(lambda: any(f.event == "updates" for f in before))
            await asyncio.to_thread(stop, [dev])  # the open stream must not hold it up
            assert dev.returncode == 0
            await asyncio.wait_for(reader, 10)  # ended by the server, cleanly
            dev = _start_dev(port, data_dir)
            run_id = before[0].data["run_id"]

            later = [
                p
                async for p in client.runs.join_stream(
                    thread_id, run_id, last_event_id=before[-1].id
                )
            ]
            everything = [p async for p in client.runs.join_stream(thread_id, run_id)]
        finally:
            await asyncio.to_thread(stop, [dev])
    assert [f.data for f in before if f.event == "updates"] == [{"one": {"steps": ["one"]}}]
    assert_strictly_increasing(ids(before) + ids(later))
    assert ids(before) + ids(later) == ids(everything)
    assert [p.data for p in later if p.event == "updates"] == [
        {"two": {"steps": ["two"]}},
        {"three": {"steps": ["three"]}},
    ]
    assert later[-1].data == {"delay": 3, "steps": ["one", "two", "three"]}


async def test_joining_with_stream_mode_gives_only_those_modes(client) -> None:
    thread_id = await new_thread(client)
    run = await client.runs.create(
        thread_id, "steps", input={}, stream_mode=["values", "updates", "tasks"]
    )
    await client.runs.join(thread_id, run["run_id"])
    parts = [
        p
        async for p in client.runs.join_stream(
            thread_id, run["run_id"], stream_mode=["updates", "tasks"]
        )
    ]
    assert {p.event for p in parts} == {"updates", "tasks"}
    assert len([p for p in parts if p.event == "updates"]) == 3


async def test_a_join_stream_with_cancel_on_disconnect_cancels_the_run(
    server_url: str, client
) -> None:
    thread_id = await new_thread(client)
    run = await client.runs.create(thread_id, "steps", input={"delay": 2}, stream_mode="updates")
    path = f"/threads/{thread_id}/runs/{run['run_id']}/stream"
    async with httpx.AsyncClient(base_url=server_url, timeout=30) as http:
        async with http.stream("GET", path, params={"cancel_on_disconnect": "true"}) as response:
            async for text in response.aiter_text():
                if "event: updates" in text:
                    break  # hang up after the first update
    finished = await wait_for_run_status(client, thread_id, run["run_id"], timeout=30)
    assert finished["status"] == "interrupted"


@pytest.mark.parametrize(
    "params, status, named",
    [
        ({"stream_mode": "telepathy"}, 422, "stream_mode"),
    ],
)
async def test_a_bad_join_stream_request_is_refused(
    server_url: str, client, params, status, named
) -> None:
    thread_id = await new_thread(client)
    run = await client.runs.create(thread_id, "echo", input={})
    async with httpx.AsyncClient(base_url=server_url) as http:
        response = await http.get(
            f"/threads/{thread_id}/runs/{run['run_id']}/stream", params=params
        )
        unknown = await http.get(
            f"/threads/{thread_id}/runs/00000000-0000-0000-0000-000000000000/stream"
        )
    assert response.status_code == status and named in response.json()["detail"]
    assert unknown.status_code == 404 and "run" in unknown.json()["detail"]
