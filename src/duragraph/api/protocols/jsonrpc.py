"""JSON-RPC 2.0 envelopes for the MCP and A2A endpoints. Protocol errors
travel in the body with HTTP 200; only a body that is no JSON-RPC message
at all is an HTTP 400 (with a `detail`, like every other error here)."""

from __future__ import annotations

from typing import Any

import orjson

from ..responses import JSON

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603


class RpcError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def result(ident: Any, value: Any) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": ident, "result": value}


def error(ident: Any, code: int, message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": ident, "error": {"code": code, "message": message}}


def bad_request(code: int, message: str) -> JSON:
    return JSON({**error(None, code, message), "detail": message}, status_code=400)


def parse(body: bytes) -> dict[str, Any] | JSON:
    """The message, or the 400 response that says why it is not one."""
    try:
        message = orjson.loads(body)
    except orjson.JSONDecodeError:
        return bad_request(PARSE_ERROR, "invalid JSON body")
    if not isinstance(message, dict):
        return bad_request(
            INVALID_REQUEST, "a JSON-RPC message must be an object (batches are not supported)"
        )
    if message.get("jsonrpc") != "2.0":
        return bad_request(INVALID_REQUEST, "jsonrpc must be '2.0'")
    ident = message.get("id")
    if ident is not None and (not isinstance(ident, (str, int)) or isinstance(ident, bool)):
        return bad_request(INVALID_REQUEST, "id must be a string or an integer")
    if "method" in message and not isinstance(message["method"], str):
        return bad_request(INVALID_REQUEST, "method must be a string")
    return message


def params_of(message: dict[str, Any]) -> dict[str, Any]:
    params = message.get("params")
    if params is None:
        return {}
    if not isinstance(params, dict):
        raise RpcError(INVALID_PARAMS, "params must be an object")
    return params


def accepts(accept: str, media_type: str) -> bool:
    for media_range in accept.lower().split(","):
        candidate = media_range.split(";", 1)[0].strip()
        if candidate in ("*/*", media_type) or (
            candidate.endswith("/*") and media_type.startswith(candidate[:-1])
        ):
            return True
    return False
