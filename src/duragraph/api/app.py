"""The HTTP edge: LangGraph paths at the root and the same under /api/v1."""
from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from . import errors
from .responses import JSON
from .routes import assistants, events, protocol, runs, system, thread_stream, threads
from .services import Services

ROUTERS = (system.router, assistants.router, threads.router, runs.router, events.router,
           thread_stream.router, protocol.router)


def create_app(services: Services, *, lifespan: Any = None) -> FastAPI:
    app = FastAPI(title="DuraGraph", version=services.info.get("version", "0"),
                  default_response_class=JSON, lifespan=lifespan)
    app.state.services = services
    for router in ROUTERS:
        app.include_router(router)
        app.include_router(router, prefix="/api/v1", include_in_schema=False)
    errors.install(app)
    return app
