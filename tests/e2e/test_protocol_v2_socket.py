"""Protocol v2 beyond runs and SSE: `agent.getTree`, the WebSocket transport
(`client.threads.stream(transport="websocket")`, in-band subscription
commands) and resuming with `since` in the middle of a model message."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from e2e_support import new_thread, parse_frames
from test_protocol_v2 import REPLY

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "graphs"))
from tool_calling import ADD_SECONDS

pytestmark = pytest.mark.e2e


async def _command(server_url: str, thread_id: str, body: dict) -> dict:
    async with httpx.AsyncClient(base_url=server_url, timeout=60) as http:
        return (await http.post(f"/threads/{thread_id}/commands", json=body)).json()


def _ws_url(server_url: str, thread_id: str) -> str:
    return server_url.replace("http", "ws", 1) + f"/threads/{thread_id}/stream/events"


async def test_get_tree_shows_the_run_and_its_subgraph(server_url: str, client) -> None:
    thread_id = await new_thread(client)
    none_yet = await _command(server_url, thread_id, {"id": 1, "method": "agent.getTree"})
    assert (none_yet["type"], none_yet["id"], none_yet["error"]) == ("error", 1, "no_such_run")
    started = await _command(
        server_url,
        thread_id,
        {"id": 2, "method": "run.start", "params": {"assistant_id": "subgraph", "input": {}}},
    )
    await client.runs.join(thread_id, started["result"]["run_id"])
    answer = await _command(server_url, thread_id, {"id": 3, "method": "agent.getTree"})
    assert (answer["type"], answer["id"]) == ("success", 3)
    tree = answer["result"]["tree"]
    assert (tree["namespace"], tree["status"], tree["graph_name"]) == ([], "completed", "subgraph")
    [child] = tree["children"]
    assert child["namespace"][0].startswith("child:") and len(child["namespace"]) == 1
    assert (child["status"], child["graph_name"]) == ("completed", "child")


async def test_the_sdk_runs_a_thread_over_the_websocket(client) -> None:
    async with client.threads.stream(assistant_id="chat", transport="websocket") as thread:
        await thread.run.start(input={"messages": [{"role": "user", "content": "hi"}]})
        messages = []

        async def until_the_run_ends() -> None:  # pulling drives each message's stream
            async for message in thread.messages:
                messages.append(message)

        await asyncio.wait_for(until_the_run_ends(), 60)
        texts = [await message.text for message in messages]
        output = await asyncio.wait_for(thread.output, 60)
    assert texts == [REPLY]
    assert output["messages"][-1]["content"] == REPLY


async def _receive(ws, predicate, timeout: float = 60) -> dict:
    async def first() -> dict:
        while True:
            message = json.loads(await ws.recv())
            if predicate(message):
                return message

    return await asyncio.wait_for(first(), timeout)


async def test_websocket_commands_are_answered_in_band(server_url: str, client) -> None:
    thread_id = await new_thread(client)
    async with connect(_ws_url(server_url, thread_id)) as ws:
        await ws.send(
            json.dumps(
                {
                    "id": 1,
                    "method": "subscription.subscribe",
                    "params": {"channels": ["lifecycle", "updates"]},
                }
            )
        )
        subscribed = await _receive(ws, lambda m: m.get("id") == 1)
        assert subscribed["type"] == "success"
        await ws.send(
            json.dumps(
                {"id": 2, "method": "run.start", "params": {"assistant_id": "steps", "input": {}}}
            )
        )
        assert (await _receive(ws, lambda m: m.get("id") == 2))["type"] == "success"
        done = await _receive(
            ws,
            lambda m: (
                m.get("method") == "lifecycle" and m["params"]["data"]["event"] == "completed"
            ),
        )
        assert done["type"] == "event" and done["params"]["namespace"] == []
        await ws.send(json.dumps({"id": 3, "method": "agent.getTree"}))
        tree = await _receive(ws, lambda m: m.get("id") == 3)
        assert tree["result"]["tree"]["status"] == "completed"
        sub_id = subscribed["result"]["subscription_id"]
        await ws.send(
            json.dumps(
                {
                    "id": 4,
                    "method": "subscription.unsubscribe",
                    "params": {"subscription_id": sub_id},
                }
            )
        )
        assert (await _receive(ws, lambda m: m.get("id") == 4))["type"] == "success"
        await ws.send(
            json.dumps(
                {
                    "id": 5,
                    "method": "subscription.unsubscribe",
                    "params": {"subscription_id": sub_id},
                }
            )
        )
        again = await _receive(ws, lambda m: m.get("id") == 5)
        assert again["error"] == "no_such_subscription"


async def test_websocket_rejections_are_protocol_errors(server_url: str, client) -> None:
    thread_id = await new_thread(client)
    async with connect(_ws_url(server_url, thread_id)) as ws:
        await ws.send("not json")
        garbled = await _receive(ws, lambda m: m.get("type") == "error")
        await ws.send(
            json.dumps(
                {"id": 1, "method": "subscription.subscribe", "params": {"channels": ["telepathy"]}}
            )
        )
        bad_channel = await _receive(ws, lambda m: m.get("id") == 1)
        await ws.send(
            json.dumps(
                {"id": 2, "method": "subscription.reconnect", "params": {"channels": ["values"]}}
            )
        )
        no_since = await _receive(ws, lambda m: m.get("id") == 2)
        await ws.send(json.dumps({"id": 3, "method": "telepathy"}))
        unknown = await _receive(ws, lambda m: m.get("id") == 3)
    assert (garbled["id"], garbled["error"]) == (None, "invalid_argument")
    assert bad_channel["error"] == "invalid_argument" and "telepathy" in bad_channel["message"]
    assert no_since["error"] == "invalid_argument" and "since" in no_since["message"]
    assert unknown["error"] == "unknown_command"
    assert "subscription.subscribe" in unknown["message"]
    async with connect(_ws_url(server_url, "00000000-0000-0000-0000-000000000000")) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 30)
    assert closed.value.rcvd.code == 4404 and "thread" in closed.value.rcvd.reason.lower()


async def test_since_in_the_middle_of_a_message_does_not_start_it_again(
    server_url: str, client
) -> None:
    thread_id = await new_thread(client)
    started = await _command(
        server_url,
        thread_id,
        {
            "id": 0,
            "method": "run.start",
            "params": {
                "assistant_id": "chat",
                "input": {"messages": [{"role": "user", "content": "hi"}]},
            },
        },
    )
    await client.runs.join(thread_id, started["result"]["run_id"])
    body = {"channels": ["messages", "lifecycle"]}
    frames = await _all_until_completed(server_url, thread_id, body)
    kinds = [f["params"]["data"]["event"] for f in frames]
    cut = kinds.index("content-block-delta") + 1  # one token in
    later = await _all_until_completed(server_url, thread_id, {**body, "since": frames[cut]["seq"]})
    assert later == frames[cut + 1 :]
    assert "message-start" not in [f["params"]["data"]["event"] for f in later]


async def _all_until_completed(server_url: str, thread_id: str, body: dict) -> list[dict]:
    async def read() -> list[dict]:
        raw = ""
        async with httpx.AsyncClient(base_url=server_url, timeout=60) as http:
            async with http.stream(
                "POST", f"/threads/{thread_id}/stream/events", json=body
            ) as response:
                assert response.status_code == 200
                async for text in response.aiter_text():
                    raw += text
                    frames = [f.data for f in parse_frames(raw[: raw.rfind("\n\n") + 2])]
                    if (
                        frames
                        and frames[-1]["method"] == "lifecycle"
                        and frames[-1]["params"]["data"]["event"] == "completed"
                    ):
                        return frames
        raise AssertionError("the stream ended")

    return await asyncio.wait_for(read(), 60)


async def test_tool_calls_arrive_on_the_tools_channel_as_the_tools_run(client) -> None:
    async with client.threads.stream(assistant_id="tool_calling") as thread:
        await thread.run.start(input={"messages": [{"role": "user", "content": "sums"}]})
        calls, started = [], {}

        async def until_the_run_ends() -> None:
            async for call in thread.tool_calls:
                started[call.name] = asyncio.get_running_loop().time()
                calls.append(call)

        await asyncio.wait_for(until_the_run_ends(), 60)
        by_name = {c.name: c for c in calls}
        deltas = [d async for d in by_name["add"].deltas]
        outcomes = await asyncio.gather(*(c.output for c in calls), return_exceptions=True)
    assert sorted(by_name) == ["add", "divide"]
    add, added = by_name["add"], outcomes[calls.index(by_name["add"])]
    assert (add.tool_call_id, add.input) == ("call_add", {"a": 1, "b": 2})
    assert deltas == ["1 + 2", " = 3"]
    assert (added["type"], added["content"], added["tool_call_id"]) == ("tool", "3", "call_add")
    divide, failed = by_name["divide"], outcomes[calls.index(by_name["divide"])]
    assert divide.input == {"a": 1, "b": 0}
    assert isinstance(failed, RuntimeError) and "division by zero" in str(failed)


async def test_a_tool_shows_as_started_while_it_runs(server_url: str, client) -> None:
    thread_id = await new_thread(client)
    started = await _command(
        server_url,
        thread_id,
        {
            "id": 0,
            "method": "run.start",
            "params": {
                "assistant_id": "tool_calling",
                "input": {"messages": [{"role": "user", "content": "sums"}]},
            },
        },
    )
    await client.runs.join(thread_id, started["result"]["run_id"])
    frames = await _all_until_completed(server_url, thread_id, {"channels": ["tools", "lifecycle"]})
    add = {
        f["params"]["data"]["event"]: f["params"]["timestamp"]
        for f in frames
        if f["method"] == "tools" and f["params"]["data"]["tool_call_id"] == "call_add"
    }
    assert add["tool-finished"] - add["tool-started"] >= ADD_SECONDS * 1000 * 0.9
    assert list(add) == ["tool-started", "tool-output-delta", "tool-finished"]


async def test_values_events_name_the_checkpoint_that_stores_them(server_url: str, client) -> None:
    thread_id = await new_thread(client)
    started = await _command(
        server_url,
        thread_id,
        {"id": 0, "method": "run.start", "params": {"assistant_id": "steps", "input": {}}},
    )
    await client.runs.join(thread_id, started["result"]["run_id"])
    frames = await _all_until_completed(
        server_url, thread_id, {"channels": ["values", "lifecycle"]}
    )
    values = [f["params"] for f in frames if f["method"] == "values"]
    assert values and all(v["checkpoint"]["ns"] == "" for v in values)
    history = {
        h["checkpoint"]["checkpoint_id"]: h["values"]
        for h in await client.threads.get_history(thread_id, limit=20)
    }
    assert [history[v["checkpoint"]["id"]] for v in values] == [v["data"] for v in values]
    state = await client.threads.get_state(thread_id)
    assert values[-1]["checkpoint"]["id"] == state["checkpoint"]["checkpoint_id"]


async def test_an_interrupt_is_answered_over_the_websocket(client) -> None:
    async with client.threads.stream(assistant_id="interrupting", transport="websocket") as thread:
        await thread.run.start(input={"question": "Who are you?"})
        deadline = asyncio.get_running_loop().time() + 60
        while not thread.interrupted:
            assert asyncio.get_running_loop().time() < deadline, "no interrupt came"
            await asyncio.sleep(0.05)
        await thread.run.respond("Ada")
        output = await asyncio.wait_for(thread.output, 60)
    assert output["greeting"] == "Hello, Ada!"
