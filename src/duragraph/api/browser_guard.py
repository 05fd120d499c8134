"""What a web page on another site may make its visitor's browser send, refused
before any handler runs (CORS alone only hides the answer from the page):

- a request addressed to a host name that is not ours: DNS rebinding, a page
  on evil.example whose name now resolves to 127.0.0.1, gets 400;
- a write from an origin the CORS policy does not allow: a "simple" POST
  (text/plain, no preflight) reaches the handler before the browser hides the
  answer, so it gets 403;
- a WebSocket handshake from such an origin (CORS does not cover WebSockets).

Requests without an Origin (SDKs, curl) and same-origin requests pass."""

from __future__ import annotations

import re
from typing import Any, Iterable

from starlette.middleware import Middleware
from starlette.types import ASGIApp, Receive, Scope, Send

from . import loopback
from .responses import JSON

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]"})
HEALTH_PATHS = frozenset({"/ok", "/api/v1/ok"})  # probes address the pod's IP
POLICY_VIOLATION = 1008


def host_name(host: str) -> str:
    """`name[:port]` -> `name`, lowercased; an IPv6 address keeps its brackets."""
    host = host.lower()
    if host.startswith("["):
        return host[: host.find("]") + 1]
    return host.rpartition(":")[0] if ":" in host else host


class AllowedHosts:
    """Loopback names always; `names` beside them: exact, `*.example.com`
    (subdomains) or `*` (any host)."""

    def __init__(self, names: Iterable[str], *, any_host: bool = False) -> None:
        names = {host_name(name.strip()) for name in names if name.strip()}
        self.any = any_host or "*" in names
        self.exact = LOOPBACK_HOSTS | {name for name in names if not name.startswith("*.")}
        self.suffixes = (".localhost", *(name[1:] for name in names if name.startswith("*.")))

    def __contains__(self, host: str) -> bool:
        name = host_name(host).rstrip(".")
        return self.any or name in self.exact or name.endswith(self.suffixes)


class AllowedOrigins:
    """A CORS policy's origins, matched as Starlette's CORSMiddleware does."""

    def __init__(self, cors: dict[str, Any]) -> None:
        self.exact = frozenset(cors.get("allow_origins", ()))
        self.any = "*" in self.exact
        regex = cors.get("allow_origin_regex")
        self.regex = re.compile(regex) if regex else None

    def __contains__(self, origin: str) -> bool:
        return (
            self.any
            or origin in self.exact
            or (self.regex is not None and self.regex.fullmatch(origin) is not None)
        )


def middleware(cors: dict[str, Any], hosts: Iterable[str], *, auth_enabled: bool) -> Middleware:
    """With auth configured, any host unless `hosts` names some."""
    hosts = tuple(hosts)
    return Middleware(
        BrowserGuard,
        origins=AllowedOrigins(cors),
        hosts=AllowedHosts(hosts, any_host=auth_enabled and not hosts),
    )


class BrowserGuard:
    def __init__(self, app: ASGIApp, *, origins: AllowedOrigins, hosts: AllowedHosts) -> None:
        self.app, self.origins, self.hosts = app, origins, hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The server's calls to itself (api/loopback.py) come from no browser.
        guarded = scope["type"] in ("http", "websocket") and not loopback.in_process(scope)
        refusal = self.refusal(scope) if guarded else None
        if refusal is None:
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":  # closed before accept: the handshake gets 403
            await send(
                {"type": "websocket.close", "code": POLICY_VIOLATION, "reason": refusal[1][:120]}
            )
        else:
            await JSON({"detail": refusal[1]}, status_code=refusal[0])(scope, receive, send)

    def refusal(self, scope: Scope) -> tuple[int, str] | None:
        host, origin = _host_and_origin(scope["headers"])
        if host is not None and host not in self.hosts and scope["path"] not in HEALTH_PATHS:
            return 400, (
                f"host {host} is not allowed: add {host_name(host)} to "
                "DURAGRAPH_ALLOWED_HOSTS (comma-separated, * for any) or to "
                "http.allowed_hosts in langgraph.json"
            )
        if origin is None or scope.get("method") in SAFE_METHODS or origin in self.origins:
            return None
        if origin.partition("://")[2] == host:  # same-origin: never cross-site
            return None
        return 403, (
            f"origin {origin} is not allowed: add it to http.cors.allow_origins in langgraph.json"
        )


def _host_and_origin(headers: list[tuple[bytes, bytes]]) -> tuple[str | None, str | None]:
    host = origin = None
    for name, value in headers:
        if name == b"host":
            host = value.decode("latin-1")
        elif name == b"origin":
            origin = value.decode("latin-1")
    return host, origin
