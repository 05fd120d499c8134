"""langgraph.json `http` switches, as the official server reads them:
`disable_*` leaves a group of routes out; `cors` replaces the default CORS
policy; `allowed_hosts` (ours) adds names the server answers to; `console` (ours)
turns the web console on or off."""

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
    ("disable_meta", re.compile(r"^/(info|metrics|docs)?$")),  # `/` links to them
)
_ANY_REQUEST: dict[str, Any] = {
    "allow_methods": ["*"],
    "allow_headers": ["*"],
    "expose_headers": ["x-pagination-total", "x-pagination-next", "content-location"],
}
STUDIO_ORIGIN = "https://smith.langchain.com"
LOOPBACK_ORIGINS = r"https?://(localhost|127\.0\.0\.1|\[::1\])(:[0-9]+)?"
# With auth configured a page can do no more than its user's credentials allow.
DEFAULT_CORS: dict[str, Any] = {"allow_origins": ["*"], **_ANY_REQUEST}
# Without auth, whoever reaches the server may do anything: only pages on this
# machine and LangGraph Studio may drive it from a browser.
LOCAL_CORS: dict[str, Any] = {
    "allow_origins": [STUDIO_ORIGIN],
    "allow_origin_regex": LOOPBACK_ORIGINS,
    **_ANY_REQUEST,
}
CORS_KEYS = {
    "allow_origins",
    "allow_methods",
    "allow_headers",
    "allow_credentials",
    "allow_origin_regex",
    "expose_headers",
    "max_age",
}


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


def cors_policy(http: dict[str, Any] | None, *, auth_enabled: bool) -> dict[str, Any]:
    """`http.cors` as given, else the default for the server's auth; any origin
    ("*") never with credentials, as upstream (a page could act as its user)."""
    options = (http or {}).get("cors")
    if options is None:
        options = DEFAULT_CORS if auth_enabled else LOCAL_CORS
    _check_cors(options)
    if "*" in options.get("allow_origins", ()):
        return {**options, "allow_credentials": False}
    return options


def _check_cors(options: Any) -> None:
    unknown = set(options) - CORS_KEYS if isinstance(options, dict) else {"(not an object)"}
    if unknown:
        raise HttpConfigError(
            f'"http.cors": unknown option(s) {", ".join(sorted(unknown))}; '
            f"expected some of {', '.join(sorted(CORS_KEYS))}"
        )


def cors(policy: dict[str, Any]) -> Middleware:
    return Middleware(CORSMiddleware, **policy)


def allowed_hosts(http: dict[str, Any] | None) -> tuple[str, ...]:
    hosts = (http or {}).get("allowed_hosts", [])
    if not isinstance(hosts, list) or not all(isinstance(h, str) for h in hosts):
        raise HttpConfigError(
            '"http.allowed_hosts": expected a list of host names such as ["agents.example.com"]'
        )
    return tuple(hosts)


def console(http: dict[str, Any] | None, default: bool) -> bool:
    value = (http or {}).get("console", default)
    if not isinstance(value, bool):
        raise HttpConfigError('"http.console": expected true or false')
    return value
