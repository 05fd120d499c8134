"""Authentication at the HTTP edge, once per request or WebSocket: the user
goes into `current_user` (and the actor behind the request's commands)."""

from __future__ import annotations

import logging
import re
from typing import Any

import orjson

from ...application.acting import acting_as
from ...domain.identity import ANONYMOUS, Actor
from .. import loopback
from .service import AuthFailure, Authorizer, current_user, request_headers, trusted

log = logging.getLogger("duragraph.auth")

# As the official server: the data routes, here and under /api/v1, and the
# agent card (it names an assistant). /ok, /info, /metrics, /docs and
# /openapi.json stay open.
PROTECTED = re.compile(
    r"^(/api/v1)?/((assistants|threads|runs|store|mcp|a2a|ui)(/|$)"
    r"|\.well-known/agent-card\.json$)"
)


def protected(scope: dict[str, Any]) -> bool:
    if scope["type"] not in ("http", "websocket") or not PROTECTED.match(scope["path"]):
        return False
    # GET /ui/* serves static assets, open on the official server too.
    return not (scope["path"].startswith("/ui") and scope.get("method") == "GET")


class AuthMiddleware:
    """Also keeps the request's headers for the runs it creates
    (`http.configurable_headers`)."""

    def __init__(self, app: Any, auth: Authorizer) -> None:
        self.app, self.auth = app, auth

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if not protected(scope) or scope.get("method") == "OPTIONS":
            await self.app(scope, receive, send)
            return
        if loopback.in_process(scope):
            await self._as_the_server(scope, receive, send)
            return
        try:
            user = await self.auth.authenticate(scope)
        except AuthFailure as failure:
            await _refuse(scope, send, failure)
            return
        scope["user"] = user
        tokens = current_user.set(user), request_headers.set(scope.get("headers") or [])
        try:
            with acting_as(Actor(identity=user.identity) if user is not None else ANONYMOUS):
                await self.app(scope, receive, send)
        finally:
            current_user.reset(tokens[0])
            request_headers.reset(tokens[1])

    async def _as_the_server(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """The server calling itself (a graph, a custom route, a webhook) acts
        as whoever it acts for already, with no user and no @auth.on check."""
        tokens = current_user.set(None), trusted.set(True)
        try:
            await self.app(scope, receive, send)
        finally:
            current_user.reset(tokens[0])
            trusted.reset(tokens[1])


async def _refuse(scope: dict[str, Any], send: Any, failure: AuthFailure) -> None:
    if failure.status >= 500:
        log.error("authentication failed: %s", failure.detail)
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008, "reason": failure.detail[:120]})
        return
    body = orjson.dumps({"detail": failure.detail})
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += [
        (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in failure.headers.items()
    ]
    await send({"type": "http.response.start", "status": failure.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
