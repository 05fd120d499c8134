"""A body refused at the edge (api/request_guard.py), answered in the error
envelope of the endpoint it was sent to, where that endpoint has its own:

- JSON-RPC (MCP, A2A; api/protocols/jsonrpc.py): a bad value in `params` is an Invalid
  params error with the request's id (HTTP 200); anything else is an HTTP 400
  carrying the JSON-RPC error and a `detail`;
- protocol v2 commands (api/protocols/v2/commands.py): a bad value in `params` is
  an `invalid_argument` error envelope with the command's id (HTTP 200);
  anything else is an HTTP 400 envelope with a `detail`.

None for every other endpoint: it answers the plain 422."""

from __future__ import annotations

import json
import re
from typing import Any, Callable

from . import strict_json
from .protocols import jsonrpc
from .protocols.v2.commands import error as command_error
from .responses import JSON

JSONRPC_PATHS = re.compile(r"(?:/api/v1)?/(?:mcp|a2a/[^/]+)/?")
COMMAND_PATHS = re.compile(r"(?:/api/v1)?/threads/[^/]+/commands")


def refusal(url_path: str, body: bytes, path: strict_json.Path, message: str) -> JSON | None:
    for pattern, answer in ENVELOPES:
        if pattern.fullmatch(url_path):
            document = json.loads(body)  # parsed already once: it is JSON
            in_params = path[:1] == ("params",)
            return answer(document, in_params, strict_json.describe(path, message))
    return None


def _jsonrpc(document: Any, in_params: bool, detail: str) -> JSON:
    message_id = _id(document, (str, int))
    if in_params and message_id is not None:
        return JSON(jsonrpc.error(message_id, jsonrpc.INVALID_PARAMS, detail))
    return jsonrpc.bad_request(jsonrpc.INVALID_REQUEST, detail)


def _command(document: Any, in_params: bool, detail: str) -> JSON:
    command_id = _id(document, (int,))
    if in_params and command_id is not None and command_id >= 0:
        return JSON(command_error(command_id, "invalid_argument", detail))
    return JSON(
        {**command_error(None, "invalid_argument", detail), "detail": detail}, status_code=400
    )


def _id(document: Any, types: tuple[type, ...]) -> Any:
    """The message's id when it is one to answer with (clean, of the right type)."""
    ident = document.get("id") if isinstance(document, dict) else None
    if isinstance(ident, bool) or not isinstance(ident, types):
        return None
    return ident if strict_json.problem_in(ident) is None else None


ENVELOPES: tuple[tuple[re.Pattern[str], Callable[[Any, bool, str], JSON]], ...] = (
    (JSONRPC_PATHS, _jsonrpc),
    (COMMAND_PATHS, _command),
)
