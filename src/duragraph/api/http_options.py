"""langgraph.json `http` switches, as the official server reads them:
`disable_*` leaves a group of routes out; `cors` replaces the default CORS
policy (any origin, the paging headers exposed)."""
from __future__ import annotations

import re
from typing import Any, Callable

from fastapi import APIRouter
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

# First match wins: a thread's runs belong to the runs group, as upstream.
GROUPS = (
    ("disable_runs", re.compile(r"^/runs|^/threads/[^/]+/runs")),
    ("disable_threads", re.compile(r"^/threads")),
    ("disable_assistants", re.compile(r"^/assistants")),
    ("disable_store", re.compile(r"^/store")),
    ("disable_mcp", re.compile(r"^/mcp")),
    ("disable_a2a", re.compile(r"^/a2a|^/\.well-known/agent")),
    ("disable_ui", re.compile(r"^/ui")),
    ("disable_meta", re.compile(r"^/(info|metrics|docs)$")),
)
DEFAULT_CORS: dict[str, Any] = {
    "allow_origins": ["*"], "allow_methods": ["*"], "allow_headers": ["*"],
    "expose_headers": ["x-pagination-total", "x-pagination-next", "content-location"],
}
CORS_KEYS = {"allow_origins", "allow_methods", "allow_headers", "allow_credentials",
             "allow_origin_regex", "expose_headers", "max_age"}


class HttpConfigError(ValueError):
    pass


def route_filter(http: dict[str, Any] | None) -> Callable[[str], bool]:
    disabled = {flag for flag, _ in GROUPS if (http or {}).get(flag)}

    def enabled(path: str) -> bool:
        for flag, pattern in GROUPS:
            if pattern.match(path):
                return flag not in disabled
        return True
    return enabled


def filtered(router: APIRouter, enabled: Callable[[str], bool]) -> APIRouter:
    kept = [route for route in router.routes if enabled(getattr(route, "path", ""))]
    if len(kept) == len(router.routes):
        return router
    copy = APIRouter()
    copy.routes.extend(kept)
    return copy


def cors(http: dict[str, Any] | None) -> Middleware:
    options = (http or {}).get("cors")
    if options is None:
        return Middleware(CORSMiddleware, **DEFAULT_CORS)
    unknown = set(options) - CORS_KEYS if isinstance(options, dict) else {"(not an object)"}
    if unknown:
        raise HttpConfigError(f'"http.cors": unknown option(s) {", ".join(sorted(unknown))}; '
                              f"expected some of {', '.join(sorted(CORS_KEYS))}")
    return Middleware(CORSMiddleware, **options)
