"""What a request may carry, checked before any route (or the user's app)
sees it: a body no larger than the configured limit (413, refused on its
Content-Length at once, or as soon as a chunked body passes the limit, so a
huge body is never held whole), JSON that PostgreSQL can store (see
api/strict_json.py) and a URL without NUL characters (422 naming the field;
a WebSocket handshake is refused with a reason).

Endpoints with an error envelope of their own (JSON-RPC, protocol commands)
answer a refused body in it: api/envelope_refusals.py."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from fastapi.exceptions import RequestValidationError
from starlette.exceptions import WebSocketException
from starlette.middleware import Middleware
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import envelope_refusals, strict_json
from .responses import JSON

DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024
INVALID_DATA = 1007  # the WebSocket close code for a frame (or URL) with bad data


class _Gone(Exception):
    """The client disconnected while sending its body: there is no one to answer."""


def middleware(max_body_bytes: int) -> Middleware:
    return Middleware(RequestGuard, max_body_bytes=max_body_bytes)


class RequestGuard:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app, self.limit = app, max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
        elif (problem := query_problem(scope)) is not None:
            await _refuse_query(scope, problem, receive, send)
        elif scope["type"] == "websocket" or not _has_body(scope):
            await self.app(scope, receive, send)
        else:
            await self._with_body(scope, receive, send)

    async def _with_body(self, scope: Scope, receive: Receive, send: Send) -> None:
        declared = _content_length(scope)
        try:
            body = None if declared > self.limit else await _read(receive, self.limit)
        except _Gone:
            return
        if body is None:
            await self._too_large(scope, receive, send)
        elif (refusal := body_refusal(scope, body)) is not None:
            await refusal(scope, receive, send)
        else:
            await self.app(scope, _replay(body, receive), send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        # What is left of the body is read and dropped by the server, not kept.
        await JSON(
            {
                "detail": f"request body larger than {self.limit} bytes (the limit is "
                "set by DURAGRAPH_MAX_BODY_BYTES)"
            },
            status_code=413,
        )(scope, receive, send)


def _has_body(scope: Scope) -> bool:
    return _content_length(scope) > 0 or _header(scope, b"transfer-encoding") is not None


def _content_length(scope: Scope) -> int:
    value = _header(scope, b"content-length")
    return int(value) if value is not None and value.isdigit() else 0


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return value
    return None


async def _read(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None as soon as it passes `limit`."""
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Gone
        body += message.get("body", b"")
        if len(body) > limit:
            return None
        if not message.get("more_body", False):
            return bytes(body)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body as one message, then the server's own messages (disconnects)."""
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def replayed() -> Message:
        return pending.pop() if pending else await receive()

    return replayed


# -- the body's JSON --------------------------------------------------------------


def body_refusal(scope: Scope, body: bytes) -> JSON | None:
    if not _may_be_json(scope):
        return None
    found = strict_json.problem_in_bytes(body)
    if found is None:
        return None
    enveloped = envelope_refusals.refusal(scope["path"], body, *found)
    if enveloped is not None:
        return enveloped
    return _unprocessable(["body", *found[0]], strict_json.describe(*found), found[1])


def _may_be_json(scope: Scope) -> bool:
    """JSON by its media type, or none given (FastAPI then parses JSON), or
    text/plain (which the JSON-RPC endpoints read as JSON)."""
    media = (_header(scope, b"content-type") or b"").split(b";", 1)[0].strip().lower()
    return media in (b"", b"application/json", b"text/plain") or (
        media.startswith(b"application/") and media.endswith(b"+json")
    )


def _unprocessable(loc: list[Any], detail: str, message: str) -> JSON:
    """The shape of every 422 here (api/errors.py, api/openapi_errors.py)."""
    return JSON(
        {"detail": detail, "errors": [{"loc": loc, "msg": message, "type": "value_error"}]},
        status_code=422,
    )


# -- the URL ----------------------------------------------------------------------


def query_problem(scope: Scope) -> tuple[str, str] | None:
    """(parameter, what is wrong) for a NUL in a query parameter's name or value.
    (Path parameters have names only once the router has matched: `clean_path`.)"""
    if b"%00" not in scope["query_string"]:
        return None
    for name, value in parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True):
        message = strict_json.text_problem(name) or strict_json.text_problem(value)
        if message is not None:
            return name, message
    return None


async def _refuse_query(
    scope: Scope, problem: tuple[str, str], receive: Receive, send: Send
) -> None:
    name, message = problem
    detail = strict_json.describe((name,), message)
    if scope["type"] == "websocket":  # closed before accept: the handshake fails
        await send({"type": "websocket.close", "code": INVALID_DATA, "reason": detail[:120]})
    else:
        await _unprocessable(["query", name], detail, message)(scope, receive, send)


async def clean_path(connection: HTTPConnection) -> None:
    """An app-wide dependency (api/app.py): a path parameter with a NUL (`%00`)
    is refused, naming it."""
    for name, value in connection.path_params.items():
        message = strict_json.text_problem(str(value))
        if message is None:
            continue
        if connection.scope["type"] == "websocket":
            raise WebSocketException(INVALID_DATA, f"{name}: {message}")
        raise RequestValidationError(
            [{"loc": ("path", name), "msg": message, "type": "value_error"}]
        )
