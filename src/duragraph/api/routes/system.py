from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.responses import HTMLResponse, PlainTextResponse

from .. import metrics
from ..responses import JSON
from ..services import Services, services

router = APIRouter(tags=["system"])


@router.get("/ok")
async def ok() -> dict:
    return {"ok": True}


@router.get("/info")
async def info(s: Services = Depends(services)) -> dict:
    return {"version": s.info.get("version"), "flags": {"assistants": True, "crons": False,
                                                         "langsmith": False},
            "metadata": s.info}


@router.get("/metrics", responses={200: {"content": {"text/plain": {}}}})
async def system_metrics(format: Literal["prometheus", "json"] = Query("prometheus"),
                         s: Services = Depends(services)):
    figures = await metrics.snapshot(s)
    if format == "json":
        return JSON(figures)
    return PlainTextResponse(metrics.prometheus(figures),
                             media_type="text/plain; version=0.0.4; charset=utf-8")


# An explicit route (FastAPI's own /docs is left out of the schema) so that
# /openapi.json lists it, as the official spec does.
@router.get("/docs", response_class=HTMLResponse)
async def docs(s: Services = Depends(services)) -> HTMLResponse:
    title = f"DuraGraph {s.info.get('version', '')} - API"
    return get_swagger_ui_html(openapi_url="/openapi.json", title=title)
