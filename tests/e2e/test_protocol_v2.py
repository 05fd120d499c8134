"""Protocol v2 (`client.threads.stream`, what `useStream` speaks):
`POST /threads/{id}/commands` starts and resumes runs, `POST
/threads/{id}/stream/events` streams the thread's events by channel."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from langgraph_sdk.stream.transport.http import ProtocolSseTransport

from e2e_support import new_thread, parse_frames

pytestmark = pytest.mark.e2e

REPLY = "Hello from the fake model"  # tests/graphs/chat.py


async def wait_until(condition, timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_a_run_started_on_a_new_thread_gives_its_output(client) -> None:
    async with client.threads.stream(assistant_id="steps") as thread:
        started = await thread.run.start(input={})
        output = await asyncio.wait_for(thread.output, 60)
    assert output == {"steps": ["one", "two", "three"]}
    run = await client.runs.get(thread.thread_id, started["run_id"])
    assert run["status"] == "success"


async def test_the_values_projection_yields_each_state(client) -> None:
    thread_id = await new_thread(client)
    async with client.threads.stream(thread_id, assistant_id="steps") as thread:
        await thread.run.start(input={"delay": 0.2})
        snapshots = []

        async def follow() -> None:
            async for snapshot in thread.values:
                snapshots.append(snapshot)

        await asyncio.wait_for(follow(), 60)
    assert snapshots[-1] == {"delay": 0.2, "steps": ["one", "two", "three"]}
    steps = [s.get("steps", []) for s in snapshots]
    assert steps == sorted(steps, key=len)


async def test_the_messages_projection_streams_the_model_tokens(client) -> None:
    async with client.threads.stream(assistant_id="chat") as thread:
        await thread.run.start(input={"messages": [{"role": "user", "content": "hi"}]})
        messages = []

        async def until_the_run_ends() -> None:  # pulling drives each message's stream
            async for message in thread.messages:
                messages.append(message)

        await asyncio.wait_for(until_the_run_ends(), 60)
        assert len(messages) == 1
        deltas = [d async for d in messages[0].text]
        text = await messages[0].text
    assert len(deltas) > 3
    assert "".join(deltas) == text == REPLY
    assert messages[0].node == "respond"


async def test_an_interrupt_is_answered_with_input_respond(client) -> None:
    async with client.threads.stream(assistant_id="interrupting") as thread:
        await thread.run.start(input={"question": "Who are you?"})
        await wait_until(lambda: thread.interrupted)
        assert [i["value"] for i in thread.interrupts] == [{"question": "Who are you?"}]
        await thread.run.respond("Ada")
        output = await asyncio.wait_for(thread.output, 60)
    assert output["greeting"] == "Hello, Ada!"


async def test_subscribing_to_channels_yields_protocol_events(client) -> None:
    async with client.threads.stream(assistant_id="subgraph") as thread:
        await thread.run.start(input={})
        events = []

        async def until_completed() -> None:
            async for event in thread.subscribe(["lifecycle", "updates", "tasks"]):
                events.append(event)
                data = event["params"]["data"]
                if event["method"] == "lifecycle" and data["event"] == "completed":
                    return

        await asyncio.wait_for(until_completed(), 60)
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(set(seqs))
    assert all(e["type"] == "event" and e["event_id"] == str(e["seq"]) for e in events)
    root_updates = [
        e["params"]["data"]["node"]
        for e in events
        if e["method"] == "updates" and not e["params"]["namespace"]
    ]
    assert root_updates == ["before", "child", "after"]
    nested = [e for e in events if e["params"]["namespace"]]
    assert nested and all(e["params"]["namespace"][0].startswith("child:") for e in nested)
    assert [e["params"]["data"]["event"] for e in events if e["method"] == "lifecycle"] == [
        "running",
        "completed",
    ]


async def _events(server_url: str, thread_id: str, body: dict, count: int) -> list:
    """The first `count` frames of an event stream (which stays open)."""

    async def first() -> list:
        raw = ""
        async with httpx.AsyncClient(base_url=server_url, timeout=60) as http:
            async with http.stream(
                "POST", f"/threads/{thread_id}/stream/events", json=body
            ) as response:
                assert response.status_code == 200
                async for text in response.aiter_text():
                    raw += text
                    frames = parse_frames(raw[: raw.rfind("\n\n") + 2])
                    if len(frames) >= count:
                        return frames[:count]
        raise AssertionError("the stream ended")

    return await asyncio.wait_for(first(), 60)


async def test_since_resumes_after_the_given_event(server_url: str, client) -> None:
    thread_id = await new_thread(client)
    async with httpx.AsyncClient(base_url=server_url) as http:
        started = (
            await http.post(
                f"/threads/{thread_id}/commands",
                json={
                    "id": 0,
                    "method": "run.start",
                    "params": {"assistant_id": "steps", "input": {"delay": 0}},
                },
            )
        ).json()
    assert started["type"] == "success" and started["id"] == 0
    await client.runs.join(thread_id, started["result"]["run_id"])
    body = {"channels": ["lifecycle", "values", "updates"]}
    everything = await _events(server_url, thread_id, body, 9)  # 1 + 4 values + 3 + 1
    assert [f.event for f in everything] == [
        "lifecycle",
        "values",
        "updates",
        "values",
        "updates",
        "values",
        "updates",
        "values",
        "lifecycle",
    ]
    assert [f.id for f in everything] == [str(f.data["seq"]) for f in everything]
    for cut in (2, 5):
        later = await _events(
            server_url, thread_id, {**body, "since": everything[cut].data["seq"]}, 8 - cut
        )
        assert later == everything[cut + 1 :]


async def test_protocol_commands_answer_errors_in_the_protocol_envelope(
    server_url: str, client
) -> None:
    thread_id = await new_thread(client)
    async with httpx.AsyncClient(base_url=server_url) as http:
        path = f"/threads/{thread_id}/commands"
        unknown = (await http.post(path, json={"id": 1, "method": "telepathy"})).json()
        no_graph = (
            await http.post(
                path, json={"id": 2, "method": "run.start", "params": {"assistant_id": "nope"}}
            )
        ).json()
        no_interrupt = (
            await http.post(
                path,
                json={
                    "id": 3,
                    "method": "input.respond",
                    "params": {"interrupt_id": "x", "namespace": [], "response": 1},
                },
            )
        ).json()
        malformed = await http.post(path, json={"method": "run.start"})
    assert (unknown["type"], unknown["id"], unknown["error"]) == ("error", 1, "unknown_command")
    assert (no_graph["id"], no_graph["error"]) == (2, "invalid_argument")
    assert "nope" in no_graph["message"]
    assert (no_interrupt["id"], no_interrupt["error"]) == (3, "no_such_interrupt")
    assert malformed.status_code == 400
    assert malformed.json()["error"] == "invalid_argument" and "id" in malformed.json()["detail"]
    assert await client.runs.list(thread_id) == []


async def test_subscription_commands_over_http_answer_as_the_official_server(
    server_url: str, client
) -> None:
    thread_id = await new_thread(client)
    async with httpx.AsyncClient(base_url=server_url) as http:
        transport = ProtocolSseTransport(client=http, thread_id=thread_id)
        send = transport.send_command
        subscribed = await send(
            {
                "id": 1,
                "method": "subscription.subscribe",
                "params": {"channels": ["values", "lifecycle"]},
            }
        )
        bad = await send(
            {"id": 2, "method": "subscription.subscribe", "params": {"channels": ["telepathy"]}}
        )
        unsubscribed = await send(
            {"id": 3, "method": "subscription.unsubscribe", "params": {"subscription_id": "s-1"}}
        )
        nameless = await send({"id": 4, "method": "subscription.unsubscribe", "params": {}})
        reconnect = await send(
            {
                "id": 5,
                "method": "subscription.reconnect",
                "params": {"channels": ["values"], "since": 3},
            }
        )
    assert (subscribed["type"], subscribed["id"]) == ("success", 1)
    assert subscribed["result"]["replayed_events"] == 0
    assert isinstance(subscribed["result"]["subscription_id"], str)
    assert (bad["type"], bad["error"]) == ("error", "invalid_argument")
    assert "telepathy" in bad["message"]
    assert (unsubscribed["id"], unsubscribed["error"]) == (3, "no_such_subscription")
    assert (nameless["id"], nameless["error"]) == (4, "invalid_argument")
    assert (reconnect["id"], reconnect["error"]) == (5, "no_such_run")


@pytest.mark.parametrize(
    "body, status, named",
    [
        ({"channels": ["telepathy"]}, 400, "channels"),
        ({"channels": []}, 400, "channels"),
        ({"channels": ["values"], "since": -1}, 400, "since"),
        ({"channels": ["values"], "namespaces": "child"}, 400, "namespaces"),
    ],
)
async def test_a_bad_event_stream_request_is_refused(
    server_url: str, client, body, status, named
) -> None:
    thread_id = await new_thread(client)
    async with httpx.AsyncClient(base_url=server_url) as http:
        response = await http.post(f"/threads/{thread_id}/stream/events", json=body)
    assert response.status_code == status
    assert named in response.json()["detail"]


async def test_the_event_stream_of_an_unknown_thread_is_404(server_url: str) -> None:
    async with httpx.AsyncClient(base_url=server_url) as http:
        response = await http.post(
            "/threads/00000000-0000-0000-0000-000000000000/stream/events",
            json={"channels": ["values"]},
        )
    assert response.status_code == 404
    assert "thread" in json.loads(response.text)["detail"]
