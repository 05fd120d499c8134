"""Streaming runs over Server-Sent Events: every stream mode, joining a
running stream, event ids, errors and heartbeats."""

from __future__ import annotations

import itertools
import time

import httpx
import pytest

from e2e_support import collect, new_thread, of, raw_stream

pytestmark = pytest.mark.e2e

REPLY = "Hello from the fake model"  # tests/graphs/chat.py


async def test_the_first_event_is_metadata_naming_the_run(client) -> None:
    thread_id = await new_thread(client)
    parts = await collect(client, thread_id, "echo", input={"value": 1})
    assert parts[0].event == "metadata"
    run_id = parts[0].data["run_id"]
    run = await client.runs.get(thread_id, run_id)
    assert run["status"] == "success"


async def test_values_mode_streams_the_state_after_every_step(client) -> None:
    thread_id = await new_thread(client)
    parts = await collect(client, thread_id, "steps", input={"delay": 0}, stream_mode="values")
    assert [p.event for p in parts] == ["metadata"] + ["values"] * 4
    assert [v.get("steps", []) for v in of(parts, "values")] == [
        [],
        ["one"],
        ["one", "two"],
        ["one", "two", "three"],
    ]


async def test_updates_mode_streams_what_each_node_returned(client) -> None:
    thread_id = await new_thread(client)
    parts = await collect(client, thread_id, "steps", input={}, stream_mode="updates")
    assert of(parts, "updates") == [
        {"one": {"steps": ["one"]}},
        {"two": {"steps": ["two"]}},
        {"three": {"steps": ["three"]}},
    ]
    assert of(parts, "values") == []


async def test_several_modes_can_be_streamed_together(client) -> None:
    thread_id = await new_thread(client)
    parts = await collect(client, thread_id, "steps", input={}, stream_mode=["values", "updates"])
    assert len(of(parts, "updates")) == 3
    assert of(parts, "values")[-1] == {"steps": ["one", "two", "three"]}


async def test_messages_tuple_mode_streams_the_model_tokens(client) -> None:
    thread_id = await new_thread(client)
    parts = await collect(
        client,
        thread_id,
        "chat",
        stream_mode="messages-tuple",
        input={"messages": [{"role": "user", "content": "hi"}]},
    )
    tokens = of(parts, "messages")
    assert len(tokens) > 3
    for message, metadata in tokens:
        assert message["type"] == "AIMessageChunk"
        assert metadata["langgraph_node"] == "respond"
    assert "".join(message["content"] for message, _ in tokens) == REPLY


async def test_legacy_messages_mode_streams_partial_messages(client) -> None:
    thread_id = await new_thread(client)
    parts = await collect(
        client,
        thread_id,
        "chat",
        stream_mode="messages",
        input={"messages": [{"role": "user", "content": "hi"}]},
    )
    events = [p.event for p in parts if p.event.startswith("messages/")]
    assert events[0] == "messages/metadata"
    partials = of(parts, "messages/partial")
    assert len(partials) > 3
    growing = [batch[0]["content"] for batch in partials]
    assert growing == sorted(growing, key=len)
    assert growing[-1] == REPLY
    message_id = partials[-1][0]["id"]
    assert message_id in of(parts, "messages/metadata")[0]


async def test_legacy_messages_mode_sends_whole_messages_as_complete(client) -> None:
    thread_id = await new_thread(client)
    parts = await collect(
        client,
        thread_id,
        "echo",
        stream_mode="messages",
        input={"messages": [{"role": "user", "content": "repeat me"}]},
    )
    complete = of(parts, "messages/complete")
    assert complete
    assert complete[-1][0]["type"] == "ai"
    assert complete[-1][0]["content"] == "repeat me"


async def test_custom_mode_streams_what_the_graph_writes(client) -> None:
    thread_id = await new_thread(client)
    parts = await collect(client, thread_id, "custom", input={}, stream_mode="custom")
    assert of(parts, "custom") == [{"progress": 1}, {"progress": 2}, {"progress": 3}]


async def test_subgraph_events_are_streamed_when_asked_for(client) -> None:
    thread_id = await new_thread(client)
    parts = await collect(
        client, thread_id, "subgraph", input={}, stream_mode="updates", stream_subgraphs=True
    )
    nested = [p for p in parts if p.event.startswith("updates|child")]
    assert [list(p.data) for p in nested] == [["inner_one"], ["inner_two"]]
    plain = await collect(
        client, await new_thread(client), "subgraph", input={}, stream_mode="updates"
    )
    assert [list(d) for d in of(plain, "updates")] == [["before"], ["child"], ["after"]]


async def test_a_failing_graph_streams_an_error_event(client) -> None:
    thread_id = await new_thread(client)
    parts = await collect(client, thread_id, "failing", input={})
    errors = of(parts, "error")
    assert errors == [{"error": "ValueError", "message": "boom"}]
    assert parts[-1].event == "error"
    run_id = parts[0].data["run_id"]
    assert (await client.runs.get(thread_id, run_id))["status"] == "error"
    assert (await client.threads.get(thread_id))["status"] == "error"


async def test_join_stream_follows_a_background_run(client) -> None:
    thread_id = await new_thread(client)
    run = await client.runs.create(
        thread_id, "steps", input={"delay": 0.1}, stream_mode=["values", "updates"]
    )
    parts = [p async for p in client.runs.join_stream(thread_id, run["run_id"])]
    assert [list(u) for u in of(parts, "updates")] == [["one"], ["two"], ["three"]]
    assert of(parts, "values")[-1] == {"delay": 0.1, "steps": ["one", "two", "three"]}


async def test_join_stream_of_a_finished_run_replays_it(client) -> None:
    thread_id = await new_thread(client)
    run = await client.runs.create(thread_id, "custom", input={}, stream_mode="custom")
    await client.runs.join(thread_id, run["run_id"])
    parts = [p async for p in client.runs.join_stream(thread_id, run["run_id"])]
    assert of(parts, "custom") == [{"progress": 1}, {"progress": 2}, {"progress": 3}]


async def test_every_event_carries_an_id_and_the_run_location(server_url: str, client) -> None:
    thread_id = await new_thread(client)
    response, frames = await raw_stream(
        server_url,
        f"/threads/{thread_id}/runs/stream",
        {"assistant_id": "steps", "input": {"delay": 0}, "stream_mode": ["values", "updates"]},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    run_id = frames[0].data["run_id"]
    assert response.headers["content-location"] == f"/threads/{thread_id}/runs/{run_id}"
    assert len(frames) == 1 + 4 + 3
    assert all(f.id is not None for f in frames)
    assert len({f.id for f in frames}) == len(frames)


async def test_a_join_stream_resumes_after_the_last_event_id(server_url: str, client) -> None:
    thread_id = await new_thread(client)
    run = await client.runs.create(thread_id, "steps", input={}, stream_mode="updates")
    await client.runs.join(thread_id, run["run_id"])
    path = f"/threads/{thread_id}/runs/{run['run_id']}/stream"
    _, everything = await raw_stream(server_url, path)
    assert everything[0].data == {"run_id": run["run_id"], "attempt": 1}
    assert [list(f.data) for f in everything[1:]] == [["one"], ["two"], ["three"]]
    _, rest = await raw_stream(server_url, path, headers={"Last-Event-ID": everything[1].id})
    assert [f.id for f in rest] == [f.id for f in everything[2:]]


async def test_a_quiet_stream_gets_a_heartbeat_at_least_every_five_seconds(
    server_url: str, client
) -> None:
    thread_id = await new_thread(client)
    arrivals: list[tuple[float, bytes]] = []
    async with httpx.AsyncClient(base_url=server_url, timeout=30) as http:
        async with http.stream(
            "POST",
            f"/threads/{thread_id}/runs/stream",
            json={"assistant_id": "slow", "input": {"sleep": 6}, "stream_mode": "updates"},
        ) as response:
            async for chunk in response.aiter_raw():
                arrivals.append((time.monotonic(), chunk))
    raw = b"".join(chunk for _, chunk in arrivals)
    assert any(line.startswith(b":") for line in raw.split(b"\n"))  # an SSE comment
    times = [t for t, _ in arrivals]
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert max(gaps) < 5.5
    assert b"event: updates" in raw
