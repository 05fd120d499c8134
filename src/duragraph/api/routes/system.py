from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query
from fastapi.openapi.docs import get_swagger_ui_html
from langgraph.version import __version__ as langgraph_version
from starlette.responses import HTMLResponse, PlainTextResponse

from .. import metrics
from ..responses import JSON
from ..services import Services, services

router = APIRouter(tags=["system"])


@router.get("/ok")
async def ok() -> dict:
    return {"ok": True}


# The Agent Server (langgraph-api) release whose API this server speaks: LangGraph
# Studio reads /info's `version` (and `langgraph_py_version`) to enable features.
AGENT_SERVER_VERSION = "0.16.7"
# No LangSmith tracing of runs here, so none of the features built on it.
_NO_LANGSMITH = {
    "langsmith": False,
    "langsmith_tracing_replicas": False,
    "langsmith_tracing_session_on_runs": False,
}
_HOST = {
    "kind": "self-hosted",
    "project_id": None,
    "host_revision_id": None,
    "revision_id": None,
    "tenant_id": None,
}


@router.get("/info")
async def info(s: Services = Depends(services)) -> dict:
    """As the official server's, and our own version and graphs in `metadata`."""
    return {
        "version": AGENT_SERVER_VERSION,
        "langgraph_py_version": langgraph_version,
        "flags": {**s.flags, **_NO_LANGSMITH},
        "host": _HOST,
        "metadata": s.info,
    }


@router.get("/metrics", responses={200: {"content": {"text/plain": {}}}})
async def system_metrics(
    format: Literal["prometheus", "json"] = Query("prometheus"), s: Services = Depends(services)
):
    figures = await metrics.snapshot(s)
    if format == "json":
        return JSON(figures)
    return PlainTextResponse(
        metrics.prometheus(figures), media_type="text/plain; version=0.0.4; charset=utf-8"
    )


# An explicit route (FastAPI's own /docs is left out of the schema) so that
# /openapi.json lists it, as the official spec does.
@router.get("/docs", response_class=HTMLResponse)
async def docs(s: Services = Depends(services)) -> HTMLResponse:
    title = f"DuraGraph {s.info.get('version', '')} - API"
    return get_swagger_ui_html(openapi_url="/openapi.json", title=title)
