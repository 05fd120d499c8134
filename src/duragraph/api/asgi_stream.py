"""An httpx transport to an ASGI app in this process whose response body
streams as the app sends it (httpx's own ASGITransport waits for the whole
body): a run streamed through the in-process client arrives live. Closing
the response disconnects the request, as a client leaving would."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, AsyncIterator

import httpx

log = logging.getLogger(__name__)
_END = None
_CLOSE_S = 5.0  # how long an app may take to end once its caller has left


class StreamingASGITransport(httpx.AsyncBaseTransport):
    def __init__(self, app: Any, root_path: str = "") -> None:
        self.app, self.root_path = app, root_path  # `app` may be set later (the SDK does)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        exchange = _Exchange(await request.aread())
        task = asyncio.create_task(exchange.run(self.app, self._scope(request)))
        start = await exchange.started
        return httpx.Response(
            start["status"],
            headers=start.get("headers", []),
            stream=_Body(exchange, task),
            request=request,
        )

    def _scope(self, request: httpx.Request) -> dict[str, Any]:
        url = request.url
        return {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request.method,
            "scheme": url.scheme,
            "path": url.path,
            "raw_path": url.raw_path.split(b"?")[0],
            "query_string": url.query,
            "headers": [(k.lower(), v) for k, v in request.headers.raw],
            "server": (url.host, url.port),
            "client": ("127.0.0.1", 0),
            "root_path": self.root_path,
        }


class _Exchange:
    """One request's ASGI side: its body in, the response start and chunks out."""

    def __init__(self, body: bytes) -> None:
        self.body: bytes | None = body
        self.started: asyncio.Future = asyncio.get_running_loop().create_future()
        self.chunks: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.gone = asyncio.Event()

    async def run(self, app: Any, scope: dict[str, Any]) -> None:
        try:
            await app(scope, self.receive, self.send)
        except Exception as exc:
            if self.started.done():  # the body the caller reads just ends
                log.exception("in-process request %s failed mid-response", scope["path"])
            else:  # the caller's request raises it
                self.started.set_exception(exc)
        finally:
            if not self.started.done():
                self.started.set_exception(RuntimeError("the app sent no response"))
            self.chunks.put_nowait(_END)

    async def receive(self) -> dict[str, Any]:
        if self.body is not None:
            body, self.body = self.body, None
            return {"type": "http.request", "body": body, "more_body": False}
        await self.gone.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.started.set_result(message)
        elif message["type"] == "http.response.body":
            if message.get("body"):
                self.chunks.put_nowait(message["body"])
            if not message.get("more_body", False):
                self.chunks.put_nowait(_END)


class _Body(httpx.AsyncByteStream):
    def __init__(self, exchange: _Exchange, task: asyncio.Task) -> None:
        self.exchange, self.task = exchange, task

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while (chunk := await self.exchange.chunks.get()) is not _END:
            yield chunk

    async def aclose(self) -> None:
        self.exchange.gone.set()  # the app sees its client leave, and ends
        try:
            await asyncio.wait_for(self.task, _CLOSE_S)
        except asyncio.TimeoutError:
            log.warning("an in-process request went on after its caller left: cancelled")
