"""Redirects name a path, never the request's Host: Starlette's slash redirect
(`/threads/` -> `/threads`) builds an absolute URL from the Host header, which
any client chooses. A Location on the request's own origin goes out as its
path alone (a relative reference, RFC 9110 10.2.2), so nothing we send points
at a host the client made up."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class RelativeRedirects:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        host = dict(scope.get("headers") or ()).get(b"host") if scope["type"] == "http" else None
        if not host:
            await self.app(scope, receive, send)
            return

        async def send_relative(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    (name, _relative(name, value, host))
                    for name, value in message.get("headers", ())
                ]
            await send(message)

        await self.app(scope, receive, send_relative)


def _relative(name: bytes, value: bytes, host: bytes) -> bytes:
    if name.lower() != b"location":
        return value
    url = urlsplit(value.decode("latin-1"))
    if url.netloc.encode("latin-1").lower() != host.lower():
        return value  # somewhere else, on purpose (a user's app may redirect out)
    path = "/" + url.path.lstrip("/")  # "//x" would name the host x
    return urlunsplit(("", "", path, url.query, url.fragment)).encode("latin-1")
