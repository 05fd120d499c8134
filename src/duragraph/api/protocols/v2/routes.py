"""Protocol v2, what `client.threads.stream(...)` and `useStream` speak:
`POST /threads/{id}/commands` (a JSON command in, a JSON response out) and
`POST /threads/{id}/stream/events` (the thread's events over SSE, filtered by
channel and namespace, resumed with `since`). Runs are created by the same
path as `POST /threads/{id}/runs`; events are read from the same subjects."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, WebSocket

from ....application.queries.threads import get_thread
from ...access import require
from ...responses import JSON
from ...services import Services, services
from ...sse import sse_response
from .commands import BadRequest, error, parse, run_command
from .stream import event_frames, natural, parse_filter
from .ws import SUBSCRIPTION_COMMANDS, serve, subscription_id

router = APIRouter(tags=["streaming"])


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError as exc:
        raise BadRequest(f"invalid JSON body: {exc}") from exc
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    return body


@router.post("/threads/{thread_id}/stream/events")
async def event_stream(thread_id: str, request: Request, s: Services = Depends(services)):
    body = await _body(request)
    wanted, since = parse_filter(body), natural(body, "since")
    await require(s, "threads", "read", thread_id)
    await get_thread(s.db, thread_id)
    return sse_response(await event_frames(s, thread_id, wanted, since), run_path=None)


# -- commands -------------------------------------------------------------------


@router.post("/threads/{thread_id}/commands")
async def command(thread_id: str, request: Request, s: Services = Depends(services)) -> JSON:
    await require(s, "threads", "read", thread_id)
    try:
        cid, method, params = parse(await _body(request))
    except BadRequest as exc:
        return JSON(
            {**error(None, "invalid_argument", str(exc)), "detail": str(exc)}, status_code=400
        )
    if method in SUBSCRIPTION_COMMANDS:
        return JSON(_subscription(cid, method, params))
    return JSON(await run_command(s, thread_id, cid, method, params, extra=SUBSCRIPTION_COMMANDS))


def _subscription(cid: int, method: str, params: dict[str, Any]) -> dict[str, Any]:
    """As the official server answers them over HTTP, where a command holds
    nothing after its response: a subscribe is checked and acknowledged (its
    events are read with `POST .../stream/events` and the same filter), so
    no subscription is known to unsubscribe or reconnect."""
    try:
        if method == "subscription.subscribe":
            parse_filter(params)
            return {
                "type": "success",
                "id": cid,
                "result": {"subscription_id": subscription_id(params), "replayed_events": 0},
            }
        if method == "subscription.reconnect":
            return error(
                cid,
                "no_such_run",
                "no active run is bound to this request: over "
                "HTTP, resume with POST /threads/{thread_id}/stream/events and `since`",
            )
        if not isinstance(params.get("subscription_id"), str):
            raise BadRequest("subscription_id: a string is required")
    except BadRequest as exc:
        return error(cid, "invalid_argument", str(exc))
    return error(
        cid,
        "no_such_subscription",
        f"no subscription {params['subscription_id']!r}: over HTTP none is kept",
    )


@router.websocket("/threads/{thread_id}/stream/events")
async def event_socket(thread_id: str, websocket: WebSocket) -> None:
    """The same events and commands over one WebSocket: `subscription.subscribe`
    / `subscription.unsubscribe` in-band, next to the commands above."""
    await serve(websocket, websocket.app.state.services, thread_id)
