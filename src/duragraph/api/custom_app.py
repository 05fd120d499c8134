"""A user's app beside ours, merged the way the official server merges it:
the user's app is the outer application, so its middleware wraps every route
(ours too) and its lifespan runs with the server. Our health, metrics and API
description routes come first; then the user's routes, which shadow ours;
then the rest of our API."""

from __future__ import annotations

import contextlib
from typing import Any, AsyncIterator

from fastapi import FastAPI, exception_handlers
from fastapi.middleware.asyncexitstack import AsyncExitStackMiddleware
from starlette.applications import Starlette
from starlette.middleware import Middleware

_FASTAPI_DEFAULTS = (
    exception_handlers.http_exception_handler,
    exception_handlers.request_validation_exception_handler,
    exception_handlers.websocket_request_validation_exception_handler,
)


def merge(ours: FastAPI, user: Starlette, *, head: int) -> Starlette:
    """`head`: how many of our leading routes the user's routes must not shadow."""
    user.router.routes = [
        *ours.router.routes[:head],
        *user.router.routes,
        *ours.router.routes[head:],
    ]
    user.state.services = ours.state.services  # our routes find their services there
    if not isinstance(user, FastAPI):
        # Our FastAPI routes need the exit stack FastAPI's own app opens per request.
        user.user_middleware.append(Middleware(AsyncExitStackMiddleware))
    for exc_class, handler in ours.exception_handlers.items():
        if user.exception_handlers.get(exc_class) in (None, *_FASTAPI_DEFAULTS):
            user.exception_handlers[exc_class] = handler  # the user's own ones win
    user.router.lifespan_context = _both(ours.router.lifespan_context, user.router.lifespan_context)
    _describe_user_routes(ours, user)
    return user


def _both(ours: Any, theirs: Any) -> Any:
    """Our lifespan around the user's: theirs starts last and stops first."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[Any]:
        async with ours(app) as our_state, theirs(app) as their_state:
            yield {**(our_state or {}), **(their_state or {})} or None

    return lifespan


def _describe_user_routes(ours: FastAPI, user: Starlette) -> None:
    """/openapi.json lists the user's FastAPI routes beside ours."""
    if not isinstance(user, FastAPI):
        return
    own = ours.openapi

    def merged() -> dict[str, Any]:
        schema = own()
        extra = user.openapi()
        for path, operations in extra.get("paths", {}).items():
            schema["paths"].setdefault(path, {}).update(operations)
        components = schema.setdefault("components", {})
        for kind, items in extra.get("components", {}).items():
            components.setdefault(kind, {}).update(items)
        return schema

    ours.openapi = merged  # type: ignore[method-assign]  # FastAPI's way to extend the schema
