"""Protocol v2, what `client.threads.stream(...)` and `useStream` speak:
`POST /threads/{id}/commands` (a JSON command in, a JSON response out) and
`POST /threads/{id}/stream/events` (the thread's events over SSE, filtered by
channel and namespace, resumed with `since`). Runs are created by the same
path as `POST /threads/{id}/runs`; events are read from the same subjects."""
from __future__ import annotations

from typing import Any, Awaitable, Callable

import orjson
from fastapi import APIRouter, Depends, Request
from pydantic import ValidationError

from ...application.queries import runs as q
from ...application.queries.threads import get_thread
from ...domain.errors import DomainError
from ..protocol_events import (
    CHANNELS, FANOUT, Filter, Translator, envelope, split_since,
)
from ..responses import JSON
from ..schemas import RunCreate
from ..services import Services, services
from ..sse import chunk_frames, frame, sse_response
from ..run_control import create_run

router = APIRouter(tags=["streaming"])

# What a protocol run streams: everything the protocol's channels are made of.
RUN_MODES = ["values", "updates", "messages-tuple", "custom", "tasks", "checkpoints"]


class BadRequest(DomainError):
    """A malformed protocol body: 400 (the default status of a domain error
    api/errors.py does not list), as the protocol specifies."""


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError as exc:
        raise BadRequest(f"invalid JSON body: {exc}") from exc
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    return body


# -- events ---------------------------------------------------------------------

def _filter(body: dict[str, Any]) -> Filter:
    channels = body.get("channels")
    if not isinstance(channels, list) or not channels:
        raise BadRequest("channels: a non-empty list of channels is required")
    bad = [c for c in channels if c not in CHANNELS]
    if bad:
        raise BadRequest(f"channels: unknown channel {bad[0]!r}; expected one of "
                         f"{', '.join(CHANNELS)}")
    namespaces = body.get("namespaces")
    if namespaces is not None and not (isinstance(namespaces, list) and all(
            isinstance(n, list) and all(isinstance(p, str) for p in n) for n in namespaces)):
        raise BadRequest("namespaces: a list of namespaces (lists of strings) is expected")
    depth = _natural(body, "depth")
    return Filter(frozenset(channels), None if namespaces is None else
                  tuple(tuple(n) for n in namespaces), depth)


def _natural(body: dict[str, Any], key: str) -> int | None:
    value = body.get(key)
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)
                              or value < 0):
        raise BadRequest(f"{key}: a non-negative integer is expected")
    return value


async def _current_run_start(s: Services, thread_id: str) -> int:
    """Without `since`, a connection sees the thread's latest run from its
    start (a client subscribes just after `run.start`), then what follows."""
    now = await s.streams.last_seq()
    latest = await q.list_runs(s.db, thread_id, limit=1)
    first = await s.streams.first_seq(latest[0]["run_id"]) if latest else None
    return now if first is None else first - 1


def _renderer(wanted: Filter, skip_seq: int, skip_below: int) -> Callable[[Any], list[bytes]]:
    translator = Translator()

    def render(chunk: Any) -> list[bytes]:
        frames = []
        for k, (method, namespace, data, node) in enumerate(
                translator.translate(chunk.event, chunk.data)[:FANOUT]):
            if (chunk.seq == skip_seq and k < skip_below) or not wanted.wants(method, namespace):
                continue
            seq = chunk.seq * FANOUT + k
            event = envelope(seq, method, namespace, data, node, chunk.time_ms)
            frames.append(frame(method, orjson.dumps(event), seq))
        return frames
    return render


@router.post("/threads/{thread_id}/stream/events")
async def event_stream(thread_id: str, request: Request, s: Services = Depends(services)):
    body = await _body(request)
    wanted, since = _filter(body), _natural(body, "since")
    await get_thread(s.db, thread_id)
    if since is None:
        after, skip_seq, skip_below = await _current_run_start(s, thread_id), 0, 0
    else:
        skip_seq, skip_below = split_since(since)
        after = skip_seq - 1 if skip_seq else 0
    source = s.streams.subscribe_thread(thread_id, after_seq=max(after, 0))
    frames = chunk_frames(source, until=lambda _: False, stop=s.stopping,
                          render=_renderer(wanted, skip_seq, skip_below))
    return sse_response(frames, run_path=None)


# -- commands -------------------------------------------------------------------

class CommandError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _run_body(params: dict[str, Any], **extra: Any) -> RunCreate:
    try:
        return RunCreate(stream_mode=RUN_MODES, stream_subgraphs=True, if_not_exists="create",
                         **{k: params[k] for k in ("assistant_id", "input", "config",
                                                   "metadata") if k in params}, **extra)
    except ValidationError as exc:
        raise CommandError("invalid_argument", "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())) from exc


async def _run_start(s: Services, thread_id: str, params: dict[str, Any]) -> dict[str, Any]:
    created = await create_run(s, thread_id, _run_body(params))
    return {"run_id": created.run_id}


def _resume_map(params: dict[str, Any]) -> dict[str, Any]:
    entries = params.get("responses") or [params]
    if not all(isinstance(e, dict) and isinstance(e.get("interrupt_id"), str) for e in entries):
        raise CommandError("invalid_argument", "interrupt_id: a string is required")
    return {e["interrupt_id"]: e.get("response") for e in entries}


async def _input_respond(s: Services, thread_id: str, params: dict[str, Any]) -> dict[str, Any]:
    resume = _resume_map(params)
    thread = await get_thread(s.db, thread_id)
    # The `input.requested` event comes before the run's interrupted outcome
    # commits: while the thread is busy the resume is queued behind that run.
    if thread["status"] != "busy":
        pending = {i.get("id") for found in (thread.get("interrupts") or {}).values()
                   for i in found if isinstance(i, dict)}
        unknown = [i for i in resume if i not in pending]
        if thread["status"] != "interrupted" or unknown:
            raise CommandError("no_such_interrupt",
                               f"no outstanding interrupt {(unknown or list(resume))[0]!r}")
    latest = await q.list_runs(s.db, thread_id, limit=1)
    body = _run_body({"assistant_id": latest[0]["assistant_id"], **params},
                     command={"resume": resume, "update": params.get("update"),
                              "goto": params.get("goto")})
    created = await create_run(s, thread_id, body)
    return {"run_id": created.run_id}


Handler = Callable[[Services, str, dict[str, Any]], Awaitable[dict[str, Any]]]
COMMANDS: dict[str, Handler] = {"run.start": _run_start, "input.respond": _input_respond}


def _envelope(body: dict[str, Any]) -> tuple[int, str, dict[str, Any]]:
    cid, method, params = body.get("id"), body.get("method"), body.get("params", {})
    if not isinstance(cid, int) or isinstance(cid, bool) or cid < 0:
        raise BadRequest("id: a non-negative integer is required")
    if not isinstance(method, str) or not method:
        raise BadRequest("method: a command name is required")
    if not isinstance(params, dict):
        raise BadRequest("params: an object is expected")
    return cid, method, params


def _error(cid: int | None, code: str, message: str, status: int = 200) -> JSON:
    body = {"type": "error", "id": cid, "error": code, "message": message}
    if status >= 400:
        body["detail"] = message
    return JSON(body, status_code=status)


@router.post("/threads/{thread_id}/commands")
async def command(thread_id: str, request: Request, s: Services = Depends(services)) -> JSON:
    try:
        cid, method, params = _envelope(await _body(request))
    except BadRequest as exc:
        return _error(None, "invalid_argument", str(exc), status=400)
    handler = COMMANDS.get(method)
    if handler is None:
        return _error(cid, "unknown_command", f"unknown command {method!r}; supported: "
                      f"{', '.join(COMMANDS)}")
    try:
        result = await handler(s, thread_id, params)
    except CommandError as exc:
        return _error(cid, exc.code, str(exc))
    except DomainError as exc:
        return _error(cid, "invalid_argument", str(exc))
    return JSON({"type": "success", "id": cid, "result": result})
