"""The HTTP edge: LangGraph paths at the root and the same under /api/v1."""

from __future__ import annotations

from typing import Any, Callable

from fastapi import Depends, FastAPI
from starlette.applications import Starlette

from starlette.middleware import Middleware

from . import (
    browser_guard,
    console,
    custom_app,
    errors,
    http_options,
    openapi_errors,
    request_guard,
    server_errors,
)
from .auth.middleware import AuthMiddleware
from .protocols.a2a import agent_card
from .protocols.a2a import routes as a2a
from .protocols.mcp import routes as mcp
from .protocols.v2 import routes as v2
from .relative_redirects import RelativeRedirects
from .responses import JSON
from .routes import (
    assistants,
    crons,
    events,
    home,
    memory_store,
    runs,
    system,
    thread_stream,
    threads,
)
from .services import Services

# Health, metrics and the API description: a user's app (langgraph.json
# `http.app`) cannot shadow these; it may shadow any of the ROUTERS.
META_ROUTERS = (system.router,)
# The hot paths first: a request is matched against the routes in order.
ROUTERS = (
    runs.router,
    threads.router,
    assistants.router,
    crons.router,
    events.router,
    thread_stream.router,
    v2.router,
    memory_store.router,
    mcp.router,
    a2a.router,
    agent_card.router,
    home.router,
)


def create_app(
    services: Services,
    *,
    lifespan: Any = None,
    user_app: Starlette | None = None,
    http: dict[str, Any] | None = None,
    auth_enabled: bool = False,
    allowed_hosts: tuple[str, ...] = (),
    max_body_bytes: int = request_guard.DEFAULT_MAX_BODY_BYTES,
    with_console: bool = False,
) -> Starlette:
    """`http`: langgraph.json's `http` section (disable_* switches, cors);
    `auth_enabled`: langgraph.json configures auth (a browser's requests are
    then limited by what its user may do, not by where the page comes from);
    `allowed_hosts`: host names served besides localhost (with `http`'s);
    `max_body_bytes`: the largest request body accepted (413 beyond);
    `with_console`: serve the web console at /console (api/console.py)."""
    meta = not (http or {}).get("disable_meta")
    app = FastAPI(
        title="DuraGraph",
        version=services.info.get("version", "0"),
        default_response_class=JSON,
        lifespan=lifespan,
        docs_url=None,
        redoc_url="/redoc" if meta else None,
        openapi_url="/openapi.json" if meta else None,
        dependencies=[Depends(request_guard.clean_path)],
    )
    app.state.services = services
    enabled = http_options.route_filter(http)
    services.flags = {
        "assistants": enabled("/assistants"),
        "crons": enabled("/runs/crons"),
        "console": with_console,
    }
    _include(app, META_ROUTERS, enabled)
    if with_console:
        app.include_router(console.router)
    head = len(app.router.routes)
    _include(app, ROUTERS, enabled)
    errors.install(app)
    outer = custom_app.merge(app, user_app, head=head) if user_app is not None else app
    openapi_errors.install(app)
    _protect(outer, http, auth_enabled or services.auth.enabled, allowed_hosts, max_body_bytes)
    if services.auth.enabled or services.run_headers.includes:
        # Inside CORS: a preflight needs no credentials.
        outer.user_middleware.append(Middleware(AuthMiddleware, auth=services.auth))
    server_errors.install(outer)
    return outer


def _protect(
    app: Starlette,
    http: dict[str, Any] | None,
    auth_enabled: bool,
    allowed_hosts: tuple[str, ...],
    max_body_bytes: int,
) -> None:
    """Outside everything (the user's middleware too), in this order: redirects
    leave relative (never naming the request's Host), the browser guard, then
    the request guard (body size, strict JSON). CORS goes inside the user's
    middleware; it and the browser guard follow the same policy."""
    policy = http_options.cors_policy(http, auth_enabled=auth_enabled)
    hosts = (*allowed_hosts, *http_options.allowed_hosts(http))
    app.user_middleware[:0] = [
        Middleware(RelativeRedirects),
        browser_guard.middleware(policy, hosts, auth_enabled=auth_enabled),
        request_guard.middleware(max_body_bytes),
    ]
    app.user_middleware.append(http_options.cors(policy))


def _include(app: FastAPI, routers: tuple, enabled: Callable[[str], bool]) -> None:
    # The root routes first, then their /api/v1 aliases: a request is matched
    # against the routes in order, and no root path matches an alias path.
    kept = [http_options.filtered(router, enabled) for router in routers]
    for router in kept:
        app.include_router(router)
    for router in kept:
        app.include_router(router, prefix="/api/v1", include_in_schema=False)
