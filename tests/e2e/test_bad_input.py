"""Bad input gets a 4xx JSON answer whose `detail` names the problem, never
a 500, and leaves nothing half-written behind."""

from __future__ import annotations

import uuid

import httpx
import pytest
from langgraph_sdk.errors import NotFoundError

from e2e_support import assert_refused, new_thread, send

pytestmark = pytest.mark.e2e

UNKNOWN = "00000000-0000-4000-8000-000000000000"


@pytest.mark.parametrize(
    "path",
    ["/threads", "/assistants", "/assistants/search", "/threads/search", "/runs/wait", "/runs"],
)
async def test_a_body_that_is_not_json_is_refused(server_url: str, path: str) -> None:
    response = await send(
        server_url,
        "POST",
        path,
        content=b'{"graph_id": "echo",',
        headers={"content-type": "application/json"},
    )
    assert_refused(response, 422, "json")


@pytest.mark.parametrize("body", [[1, 2], "text", 42])
async def test_a_json_body_that_is_not_an_object_is_refused(server_url: str, body) -> None:
    response = await send(server_url, "POST", "/threads", json=body)
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["detail"]


async def test_creating_an_assistant_without_a_graph_id_is_refused(server_url: str) -> None:
    response = await send(server_url, "POST", "/assistants", json={"name": "x"})
    assert_refused(response, 422, "graph_id")


async def test_creating_an_assistant_for_an_unknown_graph_is_not_found(client) -> None:
    mark = {"test": uuid.uuid4().hex}
    with pytest.raises(NotFoundError) as refused:
        await client.assistants.create("no-such-graph", metadata=mark)
    assert "no-such-graph" in refused.value.response.json()["detail"]
    assert await client.assistants.search(metadata=mark) == []


@pytest.mark.parametrize(
    "path, body, field",
    [
        ("/assistants", {"graph_id": "echo", "metadata": "not an object"}, "metadata"),
        ("/assistants", {"graph_id": "echo", "if_exists": "overwrite"}, "if_exists"),
        ("/assistants/search", {"limit": "many"}, "limit"),
        ("/assistants/search", {"limit": -1}, "limit"),
        ("/threads", {"metadata": [1, 2]}, "metadata"),
        ("/threads", {"if_exists": "sometimes"}, "if_exists"),
        ("/threads/search", {"status": "sleepy"}, "status"),
        ("/threads/search", {"offset": "first"}, "offset"),
        ("/runs/wait", {"input": {}}, "assistant_id"),
        ("/runs/wait", {"assistant_id": "echo", "metadata": 3}, "metadata"),
        ("/runs/wait", {"assistant_id": "echo", "stream_mode": "everything"}, "stream_mode"),
        ("/runs/stream", {"assistant_id": "echo", "stream_mode": ["values", 7]}, "stream_mode"),
        ("/runs", {"assistant_id": "echo", "multitask_strategy": "shove"}, "multitask_strategy"),
        ("/runs", {"assistant_id": "echo", "command": "resume"}, "command"),
    ],
)
async def test_wrong_fields_are_refused_naming_the_field(
    server_url: str, path: str, body: dict, field: str
) -> None:
    assert_refused(await send(server_url, "POST", path, json=body), 422, field)


async def test_unknown_ids_are_not_found(server_url: str, client) -> None:
    thread_id = await new_thread(client)
    for method, path in [
        ("GET", f"/assistants/{UNKNOWN}"),
        ("GET", f"/assistants/{UNKNOWN}/graph"),
        ("GET", f"/assistants/{UNKNOWN}/schemas"),
        ("GET", f"/threads/{UNKNOWN}"),
        ("GET", f"/threads/{UNKNOWN}/state"),
        ("GET", f"/threads/{UNKNOWN}/runs"),
        ("GET", f"/threads/{thread_id}/runs/{UNKNOWN}"),
        ("GET", f"/threads/{thread_id}/runs/{UNKNOWN}/join"),
        ("GET", f"/threads/{thread_id}/runs/{UNKNOWN}/stream"),
        ("POST", f"/threads/{thread_id}/runs/{UNKNOWN}/cancel"),
        ("DELETE", f"/threads/{thread_id}/runs/{UNKNOWN}"),
        ("GET", f"/threads/{thread_id}/state/{UNKNOWN}"),
    ]:
        response = await send(server_url, method, path)
        assert_refused(response, 404, UNKNOWN)


async def test_a_run_for_an_unknown_assistant_leaves_the_thread_untouched(client) -> None:
    thread_id = await new_thread(client, owner="ann")
    before = await client.threads.get(thread_id)
    log_before = await client.http.get(f"/threads/{thread_id}/events")
    with pytest.raises(NotFoundError) as refused:
        await client.runs.create(thread_id, UNKNOWN, input={})
    assert refused.value.response.json()["detail"] == "Thread or assistant not found."
    assert await client.runs.list(thread_id) == []
    assert await client.threads.get(thread_id) == before
    assert await client.http.get(f"/threads/{thread_id}/events") == log_before


async def test_a_run_on_an_unknown_thread_is_not_found_and_creates_nothing(client) -> None:
    thread_id = str(uuid.uuid4())
    with pytest.raises(httpx.HTTPStatusError) as refused:
        await client.runs.wait(thread_id, "echo", input={})
    assert refused.value.response.status_code == 404
    assert thread_id in refused.value.response.json()["detail"]
    with pytest.raises(NotFoundError):
        await client.threads.get(thread_id)


async def test_a_run_with_if_not_exists_create_makes_the_thread(client) -> None:
    thread_id = str(uuid.uuid4())
    result = await client.runs.wait(thread_id, "echo", input={"value": 1}, if_not_exists="create")
    assert result["value"] == 1
    assert (await client.threads.get(thread_id))["status"] == "idle"


async def test_a_refused_run_with_if_not_exists_create_makes_no_thread(
    server_url: str, client
) -> None:
    thread_id = str(uuid.uuid4())
    response = await send(
        server_url,
        "POST",
        f"/threads/{thread_id}/runs",
        json={"assistant_id": UNKNOWN, "if_not_exists": "create"},
    )
    assert_refused(response, 404, "Thread or assistant not found.")
    with pytest.raises(NotFoundError):
        await client.threads.get(thread_id)


async def test_a_run_with_a_bad_stream_mode_leaves_no_run_behind(server_url: str, client) -> None:
    thread_id = await new_thread(client)
    before = await client.threads.get(thread_id)
    response = await send(
        server_url,
        "POST",
        f"/threads/{thread_id}/runs/stream",
        json={"assistant_id": "echo", "input": {}, "stream_mode": "telepathy"},
    )
    assert_refused(response, 422, "stream_mode")
    assert await client.runs.list(thread_id) == []
    assert await client.threads.get(thread_id) == before


async def test_a_run_with_a_bad_multitask_strategy_leaves_no_run_behind(
    server_url: str, client
) -> None:
    thread_id = await new_thread(client)
    response = await send(
        server_url,
        "POST",
        f"/threads/{thread_id}/runs",
        json={"assistant_id": "echo", "input": {}, "multitask_strategy": "shove"},
    )
    assert_refused(response, 422, "multitask_strategy")
    assert await client.runs.list(thread_id) == []
    assert (await client.threads.get(thread_id))["status"] == "idle"


@pytest.mark.parametrize(
    "query, word", [("limit=lots", "limit"), ("offset=-1", "offset"), ("status=sleepy", "status")]
)
async def test_bad_run_list_parameters_are_refused(
    server_url: str, client, query: str, word: str
) -> None:
    thread_id = await new_thread(client)
    response = await send(server_url, "GET", f"/threads/{thread_id}/runs?{query}")
    assert_refused(response, 422, word)


async def test_cancelling_with_an_unknown_action_is_refused(server_url: str, client) -> None:
    thread_id = await new_thread(client)
    run = await client.runs.create(thread_id, "slow", input={"sleep": 30})
    response = await send(
        server_url, "POST", f"/threads/{thread_id}/runs/{run['run_id']}/cancel?action=explode"
    )
    assert_refused(response, 422, "action")
    assert (await client.runs.get(thread_id, run["run_id"]))["status"] in ("pending", "running")
    await client.runs.cancel(thread_id, run["run_id"], wait=True)


@pytest.mark.parametrize(
    "body, word", [({"sort_by": "nonsense"}, "sort_by"), ({"select": ["password"]}, "select")]
)
async def test_bad_search_options_are_refused(server_url: str, body: dict, word: str) -> None:
    for path in ("/threads/search", "/assistants/search"):
        response = await send(server_url, "POST", path, json=body)
        assert 400 <= response.status_code < 500, response.text
        assert word in response.json()["detail"]


async def test_history_before_an_unknown_checkpoint_is_empty_not_an_error(client) -> None:
    thread_id = await new_thread(client)
    await client.runs.wait(thread_id, "echo", input={})
    history = await client.threads.get_history(thread_id, before={"checkpoint_id": UNKNOWN})
    assert isinstance(history, list)


async def test_bad_input_does_not_hurt_the_server(server_url: str, client) -> None:
    await send(
        server_url,
        "POST",
        "/runs/wait",
        content=b"\xff\xfe",
        headers={"content-type": "application/json"},
    )
    await send(server_url, "POST", "/threads/search", json={"limit": 10**30})
    assert (await send(server_url, "GET", "/ok")).status_code == 200
    assert (await client.runs.wait(None, "echo", input={"value": 2}))["value"] == 2
