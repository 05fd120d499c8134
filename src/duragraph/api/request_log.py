"""One log line per HTTP request, when it ends: method, path, status, ms, and
the thread and run it concerns (from the path, or from the Content-Location a
run-creating answer carries). A pure ASGI wrapper: streams pass through
untouched and a request costs one clock read at each end."""

from __future__ import annotations

import logging
import re
from time import perf_counter
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("duragraph.requests")

# Health probes and scrapers poll: their lines would be the noise at idle.
_QUIET = frozenset({"/ok", "/metrics", "/api/v1/ok", "/api/v1/metrics"})
_IDS = re.compile(r"/(threads|runs)/([0-9a-fA-F-]{32,36})")
_KEYS = {"threads": "thread_id", "runs": "run_id"}


def _level(path: str, status: int) -> int:
    if status >= 500:
        return logging.ERROR
    if status >= 400:
        return logging.WARNING
    return logging.DEBUG if path in _QUIET else logging.INFO


def ids(*paths: str) -> dict[str, str]:
    """{"thread_id": ..., "run_id": ...} as far as these paths name them."""
    found: dict[str, str] = {}
    for path in paths:
        for kind, value in _IDS.findall(path):
            found.setdefault(_KEYS[kind], value)
    return found


def _content_location(message: Message) -> str:
    for name, value in message.get("headers", ()):
        if name.lower() == b"content-location":
            return value.decode("latin-1")
    return ""


class RequestLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # No answer started: the client left first (Starlette answers an
        # exception with a 500 itself). 499, as nginx and the official server say.
        seen: dict[str, Any] = {"status": 499, "location": ""}

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen["status"], seen["location"] = message["status"], _content_location(message)
            await send(message)

        started = perf_counter()
        try:
            await self.app(scope, receive, sending)
        finally:
            _log(scope, seen, (perf_counter() - started) * 1000)


def _log(scope: Scope, seen: dict[str, Any], ms: float) -> None:
    path, status = scope["path"], seen["status"]
    level = _level(path, status)
    if not log.isEnabledFor(level):
        return
    extra = {
        "method": scope["method"],
        "path": path,
        "status": status,
        "duration_ms": round(ms, 1),
        **ids(path, seen["location"]),
    }
    where = "".join(f" {k}={v}" for k, v in extra.items() if k.endswith("_id"))
    log.log(level, "%s %s %s %.0fms%s", scope["method"], path, status, ms, where, extra=extra)
