"""`GET /threads/{thread_id}/stream`: a thread's runs, one after another, on
one open stream; `lifecycle`, `run_modes` and `state_update` select what it
carries, and `Last-Event-ID` resumes it (`-`: from the thread's first run)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from e2e_support import new_thread, parse_frames

pytestmark = pytest.mark.e2e


async def take(opening, count: int, timeout: float = 60.0) -> list:
    """The first `count` parts of an endless stream (the SDK's join_stream is
    a coroutine giving the stream)."""

    async def first() -> list:
        parts = []
        async for part in await opening:
            parts.append(part)
            if len(parts) == count:
                return parts
        return parts

    return await asyncio.wait_for(first(), timeout)


async def test_the_thread_stream_carries_its_runs_one_after_another(client) -> None:
    thread_id = await new_thread(client)
    watcher = asyncio.create_task(
        take(
            client.threads.join_stream(
                thread_id, last_event_id="-", stream_mode=["lifecycle", "run_modes"]
            ),
            10,
        )
    )
    first = await client.runs.create(thread_id, "steps", input={}, stream_mode="updates")
    second = await client.runs.create(thread_id, "custom", input={}, stream_mode="custom")
    await client.runs.join(thread_id, second["run_id"])

    parts = await watcher

    assert [p.event for p in parts] == [
        "metadata",
        "updates",
        "updates",
        "updates",
        "end",
        "metadata",
        "custom",
        "custom",
        "custom",
        "end",
    ]
    assert [p.data["run_id"] for p in parts if p.event in ("metadata", "end")] == [
        first["run_id"]
    ] * 2 + [second["run_id"]] * 2
    assert [p.data["status"] for p in parts if p.event == "end"] == ["success", "success"]
    seqs = [int(p.id) for p in parts]
    assert seqs == sorted(set(seqs))

    later = await take(
        client.threads.join_stream(thread_id, last_event_id=parts[4].id, stream_mode="lifecycle"), 2
    )
    assert [(p.event, p.data["run_id"], p.id) for p in later] == [
        ("metadata", second["run_id"], parts[5].id),
        ("end", second["run_id"], parts[9].id),
    ]


async def test_without_last_event_id_only_what_comes_next_is_streamed(
    server_url: str, client
) -> None:
    thread_id = await new_thread(client)
    earlier = await client.runs.wait(thread_id, "steps", input={})
    assert earlier["steps"] == ["one", "two", "three"]
    raw = ""
    async with httpx.AsyncClient(base_url=server_url, timeout=60) as http:
        async with http.stream(
            "GET", f"/threads/{thread_id}/stream", params={"stream_mode": "lifecycle"}
        ) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            run = await client.runs.create(thread_id, "echo", input={"value": 1})
            async for text in response.aiter_text():
                raw += text
                if "event: end" in raw and raw.endswith("\n\n"):
                    break
    frames = parse_frames(raw)
    assert [(f.event, f.data["run_id"]) for f in frames] == [
        ("metadata", run["run_id"]),
        ("end", run["run_id"]),
    ]


async def test_state_update_mode_streams_only_the_state(client) -> None:
    thread_id = await new_thread(client)
    run = await client.runs.create(thread_id, "steps", input={}, stream_mode=["updates", "tasks"])
    await client.runs.join(thread_id, run["run_id"])
    parts = await take(
        client.threads.join_stream(thread_id, last_event_id="-", stream_mode="state_update"), 3
    )
    assert [p.data for p in parts] == [
        {"one": {"steps": ["one"]}},
        {"two": {"steps": ["two"]}},
        {"three": {"steps": ["three"]}},
    ]


async def test_the_thread_stream_of_an_unknown_thread_is_404(server_url: str) -> None:
    async with httpx.AsyncClient(base_url=server_url) as http:
        response = await http.get("/threads/00000000-0000-0000-0000-000000000000/stream")
    assert response.status_code == 404
    assert "thread" in response.json()["detail"]


@pytest.mark.parametrize(
    "params, headers, named",
    [
        ({"stream_mode": "telepathy"}, {}, "stream_mode"),
        ({"stream_mode": ["lifecycle", "values"]}, {}, "stream_mode"),
        ({}, {"Last-Event-ID": "yesterday"}, "Last-Event-ID"),
    ],
)
async def test_a_bad_thread_stream_request_is_refused(
    server_url: str, client, params, headers, named
) -> None:
    thread_id = await new_thread(client)
    async with httpx.AsyncClient(base_url=server_url) as http:
        response = await http.get(f"/threads/{thread_id}/stream", params=params, headers=headers)
    assert response.status_code == 422
    assert named in response.json()["detail"]
