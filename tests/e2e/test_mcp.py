"""MCP at /mcp: the official MCP Python client lists every assistant as a
tool and calls one, which runs the assistant and returns its output."""

from __future__ import annotations

import contextlib
import json
import uuid
from typing import Any, AsyncIterator

import httpx
import pytest
from mcp import ClientSession, MCPError
from mcp.client.streamable_http import streamable_http_client

pytestmark = pytest.mark.e2e

GRAPHS = (
    "echo",
    "steps",
    "slow",
    "interrupting",
    "failing",
    "chat",
    "custom",
    "factory",
    "subgraph",
)
ACCEPT = {"Accept": "application/json, text/event-stream"}


@contextlib.asynccontextmanager
async def mcp_session(url: str) -> AsyncIterator[ClientSession]:
    async with streamable_http_client(url) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            yield session


async def all_tools(session: ClientSession) -> dict[str, Any]:
    from mcp.types import PaginatedRequestParams

    tools, cursor = {}, None
    while True:
        page = await session.list_tools(
            params=PaginatedRequestParams(cursor=cursor) if cursor else None
        )
        tools.update({t.name: t for t in page.tools})
        cursor = page.next_cursor
        if not cursor:
            return tools


async def test_the_client_initializes_against_a_stateless_server(server_url) -> None:
    async with streamable_http_client(f"{server_url}/mcp") as (read, write):
        async with ClientSession(read, write) as session:
            result = await session.initialize()
            assert result.server_info.name == "DuraGraph"
            assert result.capabilities.tools is not None
            await session.send_ping()


async def test_every_assistant_is_a_tool_with_its_input_schema(server_url, client) -> None:
    named = await client.assistants.create(
        "echo", name=f"Echo Bot {uuid.uuid4().hex[:6]}", description="Repeats what you say"
    )
    async with mcp_session(f"{server_url}/mcp") as session:
        tools = await all_tools(session)
    assert set(GRAPHS) <= set(tools)
    steps = tools["steps"].input_schema
    assert steps["type"] == "object"
    assert steps["properties"]["steps"]["type"] == "array"
    assert "delay" in steps["properties"]
    # A list of LangChain messages is offered to models as one string.
    assert tools["echo"].input_schema["properties"]["messages"]["type"] == "string"
    tool = tools[named["name"].replace(" ", "_")]
    assert tool.description == "Repeats what you say"
    assert tool.title == named["name"]


async def test_calling_a_tool_returns_what_the_graph_returns(server_url, client) -> None:
    async with mcp_session(f"{server_url}/mcp") as session:
        result = await session.call_tool("steps", {"steps": ["zero"]})
    assert not result.is_error
    expected = await client.runs.wait(None, "steps", input={"steps": ["zero"]})
    assert expected == {"steps": ["zero", "one", "two", "three"]}
    assert json.loads(result.content[0].text) == expected
    assert result.structured_content == expected


async def test_a_message_tool_takes_the_message_as_a_string(server_url) -> None:
    async with mcp_session(f"{server_url}/api/v1/mcp") as session:
        result = await session.call_tool("echo", {"messages": "hello there"})
    messages = json.loads(result.content[0].text)["messages"]
    assert [(m["type"], m["content"]) for m in messages] == [
        ("human", "hello there"),
        ("ai", "hello there"),
    ]


async def test_a_failing_graph_is_a_tool_error(server_url) -> None:
    async with mcp_session(f"{server_url}/mcp") as session:
        result = await session.call_tool("failing", {})
    assert result.is_error
    assert "boom" in result.content[0].text


async def test_an_unknown_tool_is_an_invalid_params_error(server_url) -> None:
    async with mcp_session(f"{server_url}/mcp") as session:
        with pytest.raises(MCPError) as caught:
            await session.call_tool("no_such_tool", {})
    assert caught.value.error.code == -32602
    assert "Unknown tool" in caught.value.error.message


async def post(server_url: str, body: Any, headers: dict[str, str] = ACCEPT) -> httpx.Response:
    async with httpx.AsyncClient(base_url=server_url, timeout=30) as http:
        if isinstance(body, bytes):
            return await http.post("/mcp", content=body, headers=headers)
        return await http.post("/mcp", json=body, headers=headers)


async def test_the_transport_answers_as_a_stateless_server(server_url) -> None:
    async with httpx.AsyncClient(base_url=server_url, timeout=30) as http:
        assert (await http.get("/mcp", headers=ACCEPT)).status_code == 405
        assert (await http.delete("/mcp")).status_code == 404
    note = await post(server_url, {"jsonrpc": "2.0", "method": "notifications/initialized"})
    assert note.status_code == 202
    unknown = await post(server_url, {"jsonrpc": "2.0", "id": 7, "method": "resources/list"})
    assert unknown.json() == {
        "jsonrpc": "2.0",
        "id": 7,
        "error": {"code": -32601, "message": "Method not found: resources/list"},
    }
    assert "mcp-session-id" not in unknown.headers


@pytest.mark.parametrize(
    "body, headers, detail",
    [
        (b"{not json", ACCEPT, "invalid JSON"),
        ([{"jsonrpc": "2.0", "id": 1, "method": "ping"}], ACCEPT, "batches"),
        ({"id": 1, "method": "ping"}, ACCEPT, "jsonrpc"),
        ({"jsonrpc": "2.0", "id": 1, "method": "ping"}, {"Accept": "text/html"}, "Accept"),
    ],
)
async def test_a_message_that_is_not_json_rpc_is_a_400(server_url, body, headers, detail) -> None:
    response = await post(server_url, body, headers)
    assert response.status_code == 400
    assert detail in response.json()["detail"]
