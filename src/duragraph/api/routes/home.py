"""`/`: what a user who opens the server's URL sees, instead of a 404: the
server, its version and where to go next (the console too, when on). An HTML
page for a browser, JSON for anything else. After the user's routes (langgraph.json `http.app`): a
user's own `/` wins."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Depends, Request
from starlette.responses import HTMLResponse

from ..responses import JSON
from ..services import Services, services

router = APIRouter(tags=["system"])

LINKS = {
    "docs": "/docs",
    "openapi": "/openapi.json",
    "info": "/info",
    "ok": "/ok",
    "metrics": "/metrics",
}


@router.get("/", include_in_schema=False)
async def home(request: Request, s: Services = Depends(services)):
    about = {
        "name": "DuraGraph",
        "version": s.info.get("version"),
        "graphs": s.info.get("graphs", []),
        "links": {**LINKS, "console": "/console/"} if s.flags.get("console") else LINKS,
    }
    if "text/html" in request.headers.get("accept", ""):
        return HTMLResponse(_page(about))
    return JSON(about)


def _page(about: dict) -> str:
    links = "".join(f'<li><a href="{href}">{href}</a></li>' for href in about["links"].values())
    graphs = escape(", ".join(about["graphs"]) or "none")
    return (
        f"<!doctype html><meta charset=utf-8><title>DuraGraph</title>"
        f"<h1>DuraGraph {escape(str(about['version']))}</h1>"
        f"<p>A LangGraph Platform API server. Graphs: {graphs}.</p><ul>{links}</ul>"
    )
