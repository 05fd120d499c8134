"""A 500 ends the response, not the connection. Starlette's outermost
middleware sends the 500 (api/errors.py `unexpected`, which logs it) and then
re-raises the exception; uvicorn, seeing an exception after a response began,
drops the keep-alive connection without `Connection: close`, and a pooled
client's next request on it fails with a reset. Once the 500 is complete the
exception has been answered and logged: it stops here. An error in the middle
of a streamed response still propagates (the connection cannot be reused)."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def install(app: Starlette) -> None:
    """Around the app's whole middleware stack (built on the first request)."""
    build = app.build_middleware_stack
    # Starlette has no hook around the whole stack: its builder is wrapped
    app.build_middleware_stack = lambda: EndsCleanly(build())  # type: ignore[method-assign]


class EndsCleanly:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        complete = False

        async def watched(message: Message) -> None:
            nonlocal complete
            await send(message)
            complete = complete or (
                message["type"] == "http.response.body" and not message.get("more_body", False)
            )

        try:
            await self.app(scope, receive, watched)
        except Exception:
            if not complete:
                raise
