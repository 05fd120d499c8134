"""MCP over the Streamable HTTP transport, stateless as the official server
is: every POST carries one JSON-RPC message and gets one JSON answer; no
session id is issued, so there is no GET stream and no session to delete."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from ....application.queries.assistants import search_assistants
from ....domain.errors import DomainError
from ....infrastructure.graphs.serialization import dumps
from ...bounds import MAX_OFFSET
from ...responses import JSON
from ...services import Services, services
from .. import invocation, jsonrpc
from ..jsonrpc import INVALID_PARAMS, METHOD_NOT_FOUND, RpcError
from . import tools as mcp_tools

log = logging.getLogger(__name__)
router = APIRouter(tags=["mcp"])

HANDSHAKE_VERSIONS = ("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25")
PAGE = 100
MAX_ASSISTANTS = 1000


@router.post("/mcp")
@router.post("/mcp/", include_in_schema=False)
async def post(request: Request, s: Services = Depends(services)) -> Response:
    if not (
        jsonrpc.accepts(request.headers.get("accept", ""), "application/json")
        or jsonrpc.accepts(request.headers.get("accept", ""), "text/event-stream")
    ):
        return JSON(
            {"detail": "Accept must include application/json or text/event-stream"}, status_code=400
        )
    message = jsonrpc.parse(await request.body())
    if isinstance(message, Response):
        return message
    if message.get("id") is None or "method" not in message:
        return Response(status_code=202)  # a notification or a response: nothing to answer
    return JSON(await _answer(s, message))


@router.get("/mcp")
@router.get("/mcp/", include_in_schema=False)
async def get() -> JSON:
    return JSON(
        {"detail": "this server is stateless: no stream to open"},
        status_code=405,
        headers={"Allow": "POST, DELETE"},
    )


@router.delete("/mcp")
@router.delete("/mcp/", include_in_schema=False)
async def delete() -> JSON:
    return JSON({"detail": "session not found: this server keeps no sessions"}, status_code=404)


async def _answer(s: Services, message: dict[str, Any]) -> dict[str, Any]:
    ident, method = message["id"], message["method"]
    handler = METHODS.get(method)
    try:
        if handler is None:
            raise RpcError(METHOD_NOT_FOUND, f"Method not found: {method}")
        return jsonrpc.result(ident, await handler(s, jsonrpc.params_of(message)))
    except RpcError as exc:
        return jsonrpc.error(ident, exc.code, exc.message)


async def _initialize(s: Services, params: dict[str, Any]) -> dict[str, Any]:
    requested = params.get("protocolVersion")
    return {
        "protocolVersion": requested if requested in HANDSHAKE_VERSIONS else HANDSHAKE_VERSIONS[-1],
        "capabilities": {"tools": {"listChanged": False}},
        "serverInfo": {"name": "DuraGraph", "version": s.info.get("version", "0")},
    }


async def _ping(s: Services, params: dict[str, Any]) -> dict[str, Any]:
    return {}


async def _tools_list(s: Services, params: dict[str, Any]) -> dict[str, Any]:
    offset = _cursor(params.get("cursor"))
    assistants, next_offset = await search_assistants(
        s.db,
        limit=PAGE,
        offset=offset,
        sort_by="created_at",
        sort_order="asc",
        visible=await invocation.assistants_visible(s, PAGE, offset),
    )
    tools, seen = [], set()
    for assistant in assistants:
        name = mcp_tools.tool_name(assistant["name"])
        if not name or name in seen:
            continue
        seen.add(name)
        if found := await _tool(s, assistant):
            tools.append(found)
    page: dict[str, Any] = {"tools": tools}
    if next_offset is not None:
        page["nextCursor"] = str(next_offset)
    return page


def _cursor(cursor: Any) -> int:
    try:
        offset = max(int(cursor or 0), 0)
    except (TypeError, ValueError):
        offset = -1
    if not 0 <= offset <= MAX_OFFSET:  # our cursors are offsets we gave
        raise RpcError(INVALID_PARAMS, f"invalid cursor: {str(cursor)[:40]!r}")
    return offset


async def _tool(s: Services, assistant: dict[str, Any]) -> dict[str, Any] | None:
    """The assistant as a tool; None (and a warning) when its graph cannot be
    built or has no input schema, so one broken graph hides only itself."""
    try:
        schema = await invocation.input_schema(s, assistant)
    except Exception as exc:
        log.warning(
            "mcp: assistant %s left out of the tools: %s: %s",
            assistant["assistant_id"],
            type(exc).__name__,
            exc,
        )
        return None
    return mcp_tools.tool(assistant, schema) if schema is not None else None


async def _tools_call(s: Services, params: dict[str, Any]) -> dict[str, Any]:
    assistant = await _assistant_for(s, params.get("name"))
    arguments = params.get("arguments") or {}
    if not isinstance(arguments, dict):
        raise RpcError(INVALID_PARAMS, "arguments must be an object")
    try:
        created = await invocation.start(s, assistant["assistant_id"], arguments)
    except DomainError as exc:
        raise RpcError(INVALID_PARAMS, str(exc)) from None
    return _call_result(await invocation.finish(s, created.run_id))


async def _assistant_for(s: Services, name: Any) -> dict[str, Any]:
    if not isinstance(name, str) or not name:
        raise RpcError(INVALID_PARAMS, "params.name (the tool) is required")
    assistants, _ = await search_assistants(
        s.db,
        limit=MAX_ASSISTANTS,
        sort_by="created_at",
        sort_order="asc",
        visible=await invocation.assistants_visible(s, MAX_ASSISTANTS, 0),
    )
    matching = [a for a in assistants if mcp_tools.tool_name(a["name"]) == name]
    if not matching:
        raise RpcError(INVALID_PARAMS, f"Unknown tool: {name}")
    return matching[0]  # tools/list shows the oldest of same-named assistants


def _call_result(outcome: invocation.Outcome) -> dict[str, Any]:
    if outcome.kind == "run.failed":
        text = f"{outcome.data.get('error')}: {outcome.data.get('message')}"
        return {"isError": True, "content": [{"type": "text", "text": text}]}
    if outcome.kind == "run.cancelled":
        return {"isError": True, "content": [{"type": "text", "text": "the run was cancelled"}]}
    value = outcome.values
    answer: dict[str, Any] = {"content": [{"type": "text", "text": _text(value)}]}
    if isinstance(value, dict):
        answer["structuredContent"] = value
    return answer


def _text(value: Any) -> str:
    return dumps(value).decode()


METHODS = {
    "initialize": _initialize,
    "ping": _ping,
    "tools/list": _tools_list,
    "tools/call": _tools_call,
}
