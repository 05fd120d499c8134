"""The HTTP edge: LangGraph paths at the root and the same under /api/v1."""
from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from starlette.applications import Starlette

from . import custom_app, errors
from .responses import JSON
from .routes import assistants, events, runs, system, threads
from .services import Services

# Health, metrics and the API description: a user's app (langgraph.json
# `http.app`) cannot shadow these; it may shadow any of the ROUTERS.
META_ROUTERS = (system.router,)
ROUTERS = (assistants.router, threads.router, runs.router, events.router)


def create_app(services: Services, *, lifespan: Any = None,
               user_app: Starlette | None = None) -> Starlette:
    app = FastAPI(title="DuraGraph", version=services.info.get("version", "0"),
                  default_response_class=JSON, lifespan=lifespan, docs_url=None)
    app.state.services = services
    _include(app, META_ROUTERS)
    head = len(app.router.routes)
    _include(app, ROUTERS)
    errors.install(app)
    return custom_app.merge(app, user_app, head=head) if user_app is not None else app


def _include(app: FastAPI, routers: tuple) -> None:
    for router in routers:
        app.include_router(router)
        app.include_router(router, prefix="/api/v1", include_in_schema=False)
