"""Protocol v2 over a WebSocket on `/threads/{id}/stream/events`: every frame
the client sends is a command envelope; `subscription.subscribe` (or
`subscription.reconnect` with `since`) starts sending the thread's events as
JSON frames, `subscription.unsubscribe` stops them, other commands are those
of `POST /threads/{id}/commands`. Each command is answered in-band."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import Any, AsyncIterator

import orjson
from starlette.websockets import WebSocket, WebSocketDisconnect

from ....application.queries.threads import get_thread
from ....domain.errors import NotFound
from ... import strict_json
from ...access import require
from ...auth.service import AuthFailure
from ...services import Services
from .commands import BadRequest, error, parse, run_command
from .stream import event_frames, natural, parse_filter

SUBSCRIPTION_COMMANDS = (
    "subscription.subscribe",
    "subscription.reconnect",
    "subscription.unsubscribe",
)
log = logging.getLogger(__name__)
NOT_FOUND = 4404  # the WebSocket close code for an unknown thread
POLICY_VIOLATION = 1008  # as a refused handshake (api/auth/middleware.py)
UNSUPPORTED_DATA = 1003  # a binary frame: commands are JSON text
MAX_SUBSCRIPTION_ID = 128  # characters: ids are kept while the connection lasts


class _Connection:
    def __init__(self, websocket: WebSocket, s: Services, thread_id: str) -> None:
        self.ws, self.s, self.thread_id = websocket, s, thread_id
        self.subscriptions: dict[str, asyncio.Task] = {}
        self.lock = asyncio.Lock()
        # Each subscription holds a NATS consumer and a task: a client may not
        # open them without end (settings.ws_max_subscriptions).
        self.max_subscriptions = s.ws_max_subscriptions

    async def send(self, message: dict[str, Any] | bytes) -> None:
        text = (message if isinstance(message, bytes) else orjson.dumps(message)).decode()
        async with self.lock:
            await self.ws.send_text(text)

    async def handle(self, raw: str) -> None:
        try:
            cid, method, params = parse(_loads(raw))
        except (ValueError, BadRequest) as exc:
            await self.send(error(None, "invalid_argument", str(exc)))
            return
        if method == "subscription.unsubscribe":
            await self.send(self._unsubscribe(cid, params))
        elif method in SUBSCRIPTION_COMMANDS:
            await self._subscribe(cid, method, params)
        else:
            await self.send(
                await run_command(
                    self.s, self.thread_id, cid, method, params, extra=SUBSCRIPTION_COMMANDS
                )
            )

    async def _subscribe(self, cid: int, method: str, params: dict[str, Any]) -> None:
        try:
            wanted, since = parse_filter(params), natural(params, "since")
            if method == "subscription.reconnect" and since is None:
                raise BadRequest("since: subscription.reconnect needs the last seq seen")
            sub_id = subscription_id(params)
        except BadRequest as exc:
            await self.send(error(cid, "invalid_argument", str(exc)))
            return
        if sub_id not in self.subscriptions and self._full():
            await self.send(error(cid, "resource_exhausted", self._full_message()))
            return
        # One JSON document per line: the events that arrived together come
        # as one piece (api/sse.py chunk_frames), sent one message each.
        frames = await event_frames(
            self.s, self.thread_id, wanted, since, write=lambda _m, _seq, e: orjson.dumps(e) + b"\n"
        )
        await self.send(
            {
                "type": "success",
                "id": cid,
                "result": {"subscription_id": sub_id, "replayed_events": 0},
            }
        )
        self._stop(sub_id)
        self._start(sub_id, frames)

    def _full(self) -> bool:
        return len(self.subscriptions) >= self.max_subscriptions

    def _full_message(self) -> str:
        return (
            f"too many subscriptions: a connection may hold {self.max_subscriptions} "
            "(DURAGRAPH_WS_MAX_SUBSCRIPTIONS); unsubscribe one first"
        )

    def _start(self, sub_id: str, frames: Any) -> None:
        task = asyncio.create_task(self._forward(frames))
        self.subscriptions[sub_id] = task

        def ended(_: asyncio.Task) -> None:  # a failed stream frees its place
            if self.subscriptions.get(sub_id) is task:
                del self.subscriptions[sub_id]

        task.add_done_callback(ended)

    async def _forward(self, frames: Any) -> None:
        try:
            async with contextlib.aclosing(frames):
                async for data in frames:
                    if not data.startswith(b":"):  # heartbeats are for SSE
                        for event in data.splitlines():
                            await self.send(event)
        except (asyncio.CancelledError, WebSocketDisconnect):
            raise
        except Exception as exc:  # the read failed: say so, as the SSE stream would end
            log.warning("thread %s: event subscription failed: %s", self.thread_id, exc)
            with contextlib.suppress(Exception):
                await self.send(error(None, "unknown_error", f"event stream failed: {exc}"))

    def _unsubscribe(self, cid: int, params: dict[str, Any]) -> dict[str, Any]:
        sub_id = params.get("subscription_id")
        if not isinstance(sub_id, str):
            return error(cid, "invalid_argument", "subscription_id: a string is required")
        if not self._stop(sub_id):
            return error(cid, "no_such_subscription", f"no subscription {sub_id!r}")
        return {"type": "success", "id": cid, "result": {}}

    def _stop(self, sub_id: str) -> bool:
        task = self.subscriptions.pop(sub_id, None)
        if task is not None:
            task.cancel()
        return task is not None

    async def close(self) -> None:
        tasks = list(self.subscriptions.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _answer(connection: _Connection, raw: str) -> None:
    """One frame's answer; an unexpected failure is logged and answered as an
    error frame, as HTTP answers a 500, and the socket stays open."""
    try:
        await connection.handle(raw)
    except (asyncio.CancelledError, WebSocketDisconnect):
        raise
    except Exception as exc:
        log.exception("thread %s: a WebSocket command failed", connection.thread_id)
        await connection.send(error(None, "unknown_error", f"internal error: {type(exc).__name__}"))


def _loads(raw: str) -> Any:
    """A frame's JSON, held to the same rules as a request body's."""
    found = strict_json.problem_in_bytes(raw.encode())
    if found is not None:
        raise ValueError(strict_json.describe(*found))
    return orjson.loads(raw)


async def _frames(websocket: WebSocket) -> AsyncIterator[str]:
    """The text frames, until the client leaves; a binary frame closes the
    socket with a reason (iteration then ends)."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        if message.get("text") is None:
            await websocket.close(
                code=UNSUPPORTED_DATA, reason="binary frames are not supported: send JSON text"
            )
            return
        yield message["text"]


def subscription_id(params: dict[str, Any]) -> str:
    given = params.get("subscription_id")
    if not (isinstance(given, str) and given):
        return str(uuid.uuid4())
    if len(given) > MAX_SUBSCRIPTION_ID:
        raise BadRequest(f"subscription_id: at most {MAX_SUBSCRIPTION_ID} characters")
    return given


async def serve(websocket: WebSocket, s: Services, thread_id: str) -> None:
    await websocket.accept()
    try:
        # The caller (authenticated at the handshake) must see the thread:
        # one that is not theirs closes as an unknown one.
        await require(s, "threads", "read", thread_id)
        await get_thread(s.db, thread_id)
    except NotFound as exc:
        await websocket.close(code=NOT_FOUND, reason=str(exc)[:120])
        return
    except AuthFailure as exc:  # the handler refused outright
        await websocket.close(code=POLICY_VIOLATION, reason=exc.detail[:120])
        return
    connection = _Connection(websocket, s, thread_id)
    try:
        async for raw in _frames(websocket):
            await _answer(connection, raw)
    except WebSocketDisconnect:
        pass
    finally:
        await connection.close()
