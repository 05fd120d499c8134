"""A2A at /a2a/{assistant_id}: JSON-RPC message/send, message/stream and
tasks/get, and each assistant's agent card."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx
import pytest

from e2e_support import parse_frames

pytestmark = pytest.mark.e2e

NAMESPACE_GRAPH = uuid.UUID("6ba7b821-9dad-11d1-80b4-00c04fd430c8")
ECHO = str(uuid.uuid5(NAMESPACE_GRAPH, "echo"))
REPLY = "Hello from the fake model"  # what tests/graphs/chat.py answers


def send(
    text: str | None = None,
    *,
    data: dict | None = None,
    context_id: str | None = None,
    method: str = "message/send",
) -> dict[str, Any]:
    parts: list[dict[str, Any]] = []
    if text is not None:
        parts.append({"kind": "text", "text": text})
    if data is not None:
        parts.append({"kind": "data", "data": data})
    message: dict[str, Any] = {"role": "user", "parts": parts, "messageId": uuid.uuid4().hex}
    if context_id:
        message["contextId"] = context_id
    return {"jsonrpc": "2.0", "id": "1", "method": method, "params": {"message": message}}


async def rpc(server_url: str, assistant_id: str, body: dict[str, Any]) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=server_url, timeout=60) as http:
        response = await http.post(
            f"/a2a/{assistant_id}", json=body, headers={"Accept": "application/json"}
        )
    assert response.status_code == 200, response.text
    return response.json()


def texts(task: dict[str, Any]) -> list[str]:
    return [p["text"] for a in task["artifacts"] for p in a["parts"] if p["kind"] == "text"]


async def test_message_send_runs_the_assistant_and_returns_a_completed_task(
    server_url, client
) -> None:
    answer = await rpc(server_url, ECHO, send("Hello from A2A"))
    assert answer["jsonrpc"] == "2.0" and answer["id"] == "1"
    task = answer["result"]
    assert task["kind"] == "task"
    assert task["status"]["state"] == "completed"
    assert texts(task) == ["Hello from A2A"]
    run = await client.runs.get(task["contextId"], task["id"])  # task id = run id
    assert run["assistant_id"] == ECHO and run["status"] == "success"


async def test_a_context_id_is_a_thread_that_keeps_the_conversation(server_url, client) -> None:
    context_id = str(uuid.uuid4())
    first = (await rpc(server_url, "echo", send("one", context_id=context_id)))["result"]
    second = (await rpc(server_url, "echo", send("two", context_id=context_id)))["result"]
    assert first["contextId"] == second["contextId"] == context_id
    assert first["id"] != second["id"]
    assert texts(second) == ["two"]
    state = await client.threads.get_state(context_id)
    assert [m["content"] for m in state["values"]["messages"]] == ["one", "one", "two", "two"]


async def test_data_parts_are_the_graph_input(server_url) -> None:
    task = (await rpc(server_url, "steps", send(data={"steps": ["zero"]})))["result"]
    assert task["status"]["state"] == "completed"
    [part] = task["artifacts"][0]["parts"]
    assert part == {"kind": "data", "data": {"steps": ["zero", "one", "two", "three"]}}


async def test_a_failing_graph_is_a_failed_task(server_url) -> None:
    task = (await rpc(server_url, "failing", send(data={})))["result"]
    assert task["status"]["state"] == "failed"
    assert "boom" in task["status"]["message"]["parts"][0]["text"]


async def test_an_interrupt_is_a_task_that_requires_input(server_url) -> None:
    task = (await rpc(server_url, "interrupting", send(data={"question": "Who?"})))["result"]
    assert task["status"]["state"] == "input-required"
    [part] = task["artifacts"][0]["parts"]
    assert part["data"]["value"] == {"question": "Who?"}


async def test_a_reply_to_an_input_required_task_resumes_it(server_url) -> None:
    asked = (await rpc(server_url, "interrupting", send(data={})))["result"]
    reply = send("Ada", context_id=asked["contextId"])
    reply["params"]["message"]["taskId"] = asked["id"]
    task = (await rpc(server_url, "interrupting", reply))["result"]
    assert (task["id"], task["contextId"]) == (asked["id"], asked["contextId"])
    assert task["status"]["state"] == "completed"
    [part] = task["artifacts"][0]["parts"]
    assert part["data"]["greeting"] == "Hello, Ada!"
    body = {"jsonrpc": "2.0", "id": 9, "method": "tasks/get", "params": {"id": asked["id"]}}
    assert (await rpc(server_url, "interrupting", body))["result"]["status"]["state"] == "completed"
    again = await rpc(server_url, "interrupting", reply)
    assert again["error"]["code"] == -32004  # a completed task takes no more replies


async def test_a_non_blocking_send_answers_before_the_run_ends(server_url) -> None:
    body = send(data={"delay": 0.5}) | {"id": "nb"}
    body["params"]["configuration"] = {"blocking": False}
    task = (await rpc(server_url, "steps", body))["result"]
    assert task["status"]["state"] in ("submitted", "working")
    assert "artifacts" not in task
    get = {"jsonrpc": "2.0", "id": 1, "method": "tasks/get", "params": {"id": task["id"]}}
    deadline = asyncio.get_running_loop().time() + 30
    while (found := (await rpc(server_url, "steps", get))["result"])["status"][
        "state"
    ] != "completed":
        assert asyncio.get_running_loop().time() < deadline, found
        await asyncio.sleep(0.1)
    assert found["artifacts"][0]["parts"][0]["data"]["steps"] == ["one", "two", "three"]


async def test_tasks_cancel_cancels_a_running_task(server_url) -> None:
    body = send(data={"delay": 2.0})
    body["params"]["configuration"] = {"blocking": False}
    task = (await rpc(server_url, "steps", body))["result"]
    cancel = {"jsonrpc": "2.0", "id": 5, "method": "tasks/cancel", "params": {"id": task["id"]}}
    cancelled = (await rpc(server_url, "steps", cancel))["result"]
    assert (cancelled["id"], cancelled["status"]["state"]) == (task["id"], "canceled")
    get = {"jsonrpc": "2.0", "id": 6, "method": "tasks/get", "params": {"id": task["id"]}}
    assert (await rpc(server_url, "steps", get))["result"]["status"]["state"] == "canceled"
    again = await rpc(server_url, "steps", cancel)
    assert again["error"]["code"] == -32002


async def test_tasks_get_reads_the_task_back(server_url) -> None:
    sent = (await rpc(server_url, ECHO, send("again")))["result"]
    body = {
        "jsonrpc": "2.0",
        "id": 2,
        "method": "tasks/get",
        "params": {"id": sent["id"], "contextId": sent["contextId"]},
    }
    got = await rpc(server_url, ECHO, body)
    assert got["id"] == 2
    task = got["result"]
    assert (task["id"], task["contextId"]) == (sent["id"], sent["contextId"])
    assert task["status"]["state"] == "completed"
    assert texts(task) == ["again"]


async def test_tasks_get_shows_a_running_task_as_working(server_url, client) -> None:
    thread = await client.threads.create()
    run = await client.runs.create(thread["thread_id"], "steps", input={"delay": 1.0})
    body = {"jsonrpc": "2.0", "id": 3, "method": "tasks/get", "params": {"id": run["run_id"]}}
    task = (await rpc(server_url, "steps", body))["result"]
    assert task["status"]["state"] in ("submitted", "working")
    await client.runs.join(thread["thread_id"], run["run_id"])
    task = (await rpc(server_url, "steps", body))["result"]
    assert task["status"]["state"] == "completed"


async def stream(server_url: str, assistant_id: str, body: dict[str, Any]) -> list[dict]:
    async with httpx.AsyncClient(base_url=server_url, timeout=60) as http:
        async with http.stream(
            "POST", f"/a2a/{assistant_id}", json=body, headers={"Accept": "text/event-stream"}
        ) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            raw = (await response.aread()).decode()
    return [frame.data for frame in parse_frames(raw)]


async def test_message_stream_sends_the_task_its_updates_and_its_answer(server_url) -> None:
    events = await stream(server_url, ECHO, send("stream me", method="message/stream"))
    assert all(e["jsonrpc"] == "2.0" and e["id"] == "1" for e in events)
    results = [e["result"] for e in events]
    task, working, *_, artifact, done = results
    assert [r["kind"] for r in results[1:-2]] == ["status-update"] * (len(results) - 3)
    assert task["kind"] == "task" and task["status"]["state"] == "submitted"
    assert task["history"][0]["parts"] == [{"kind": "text", "text": "stream me"}]
    assert (working["status"]["state"], working["final"]) == ("working", False)
    assert artifact["kind"] == "artifact-update"
    assert artifact["artifact"]["parts"] == [{"kind": "text", "text": "stream me"}]
    assert (done["kind"], done["status"]["state"], done["final"]) == (
        "status-update",
        "completed",
        True,
    )
    assert {r.get("taskId", r.get("id")) for r in results} == {task["id"]}


async def test_message_stream_sends_the_model_tokens_as_they_come(server_url) -> None:
    events = await stream(server_url, "chat", send("hi", method="message/stream"))
    results = [e["result"] for e in events]
    tokens = [
        r["status"]["message"]["parts"][0]["text"]
        for r in results
        if r["kind"] == "status-update" and "message" in r["status"]
    ]
    assert len(tokens) > 3
    assert "".join(tokens) == REPLY
    assert results[-2]["artifact"]["parts"] == [{"kind": "text", "text": REPLY}]


async def test_a_failing_stream_ends_with_a_failed_status(server_url) -> None:
    events = await stream(server_url, "failing", send(data={}, method="message/stream"))
    last = events[-1]["result"]
    assert (last["kind"], last["status"]["state"], last["final"]) == (
        "status-update",
        "failed",
        True,
    )


@pytest.mark.parametrize(
    "body, code",
    [
        ({"jsonrpc": "2.0", "id": "1", "method": "tasks/resubscribe", "params": {}}, -32601),
        ({"jsonrpc": "2.0", "id": "1", "method": "message/send", "params": {}}, -32602),
        (
            {
                "jsonrpc": "2.0",
                "id": "1",
                "method": "message/send",
                "params": {"message": {"role": "user", "parts": [], "messageId": "m"}},
            },
            -32602,
        ),
        (
            {
                "jsonrpc": "2.0",
                "id": "1",
                "method": "message/send",
                "params": {
                    "message": {
                        "role": "user",
                        "messageId": "m",
                        "parts": [{"kind": "file", "file": {"uri": "x"}}],
                    }
                },
            },
            -32005,
        ),
        ({"jsonrpc": "2.0", "id": "1", "method": "tasks/get", "params": {}}, -32602),
        (
            {
                "jsonrpc": "2.0",
                "id": "1",
                "method": "tasks/get",
                "params": {"id": str(uuid.uuid4())},
            },
            -32001,
        ),
    ],
)
async def test_bad_requests_are_json_rpc_errors(server_url, body, code) -> None:
    answer = await rpc(server_url, ECHO, body)
    assert answer["id"] == "1"
    assert answer["error"]["code"] == code
    assert answer["error"]["message"]


async def test_text_parts_need_a_graph_that_takes_messages(server_url) -> None:
    answer = await rpc(server_url, "steps", send("hello"))
    assert answer["error"]["code"] == -32602
    assert "messages" in answer["error"]["message"]


async def test_a_task_of_another_assistant_is_not_found(server_url) -> None:
    sent = (await rpc(server_url, ECHO, send("mine")))["result"]
    body = {"jsonrpc": "2.0", "id": "1", "method": "tasks/get", "params": {"id": sent["id"]}}
    assert (await rpc(server_url, "steps", body))["error"]["code"] == -32001
    body["params"]["contextId"] = str(uuid.uuid4())
    assert (await rpc(server_url, ECHO, body))["error"]["code"] == -32001


async def test_an_unknown_assistant_or_a_broken_body_is_a_4xx(server_url) -> None:
    async with httpx.AsyncClient(base_url=server_url, timeout=30) as http:
        missing = await http.post(f"/a2a/{uuid.uuid4()}", json=send("hi"))
        broken = await http.post(f"/a2a/{ECHO}", content=b"{oops")
        wrong_accept = await http.post(
            f"/a2a/{ECHO}",
            json=send("hi", method="message/stream"),
            headers={"Accept": "application/json"},
        )
    assert missing.status_code == 404 and "not found" in missing.json()["detail"]
    assert broken.status_code == 400 and broken.json()["error"]["code"] == -32700
    assert wrong_accept.status_code == 400 and "text/event-stream" in wrong_accept.json()["detail"]


async def test_the_agent_card_describes_the_assistant(server_url, client) -> None:
    assistant = await client.assistants.create(
        "echo", name="Card Echo", description="Echoes for the card"
    )
    async with httpx.AsyncClient(base_url=server_url, timeout=30) as http:
        card = (
            await http.get(
                "/.well-known/agent-card.json", params={"assistant_id": assistant["assistant_id"]}
            )
        ).json()
        under_v1 = (
            await http.get(
                "/api/v1/.well-known/agent-card.json",
                params={"assistant_id": assistant["assistant_id"]},
            )
        ).json()
        by_path = (
            await http.get(f"/a2a/{assistant['assistant_id']}/.well-known/agent-card.json")
        ).json()
        missing = await http.get(
            "/.well-known/agent-card.json", params={"assistant_id": str(uuid.uuid4())}
        )
        no_id = await http.get("/.well-known/agent-card.json")
    assert card["name"] == "Card Echo"
    assert card["description"] == "Echoes for the card"
    assert card["url"] == f"{server_url}/a2a/{assistant['assistant_id']}"
    assert under_v1["url"] == f"{server_url}/api/v1/a2a/{assistant['assistant_id']}"
    assert by_path["url"] == card["url"]
    assert card["capabilities"]["streaming"] is True
    assert card["preferredTransport"] == "JSONRPC"
    [skill] = card["skills"]
    assert skill["description"] == "Echoes for the card"
    assert skill["metadata"]["inputSchema"]["supportsA2A"] is True
    assert missing.status_code == 404 and "not found" in missing.json()["detail"]
    assert no_id.status_code == 422 and "assistant_id" in no_id.json()["detail"]


async def test_the_card_url_answers_message_send(server_url) -> None:
    async with httpx.AsyncClient(timeout=60) as http:
        card = (
            await http.get(
                f"{server_url}/.well-known/agent-card.json", params={"assistant_id": "echo"}
            )
        ).json()
        answer = (await http.post(card["url"], json=send("via the card"))).json()
    assert texts(answer["result"]) == ["via the card"]
    assert json.loads(json.dumps(card))  # plain JSON
