"""A2A over JSON-RPC 2.0 at /a2a/{assistant_id}: `message/send` runs the
assistant on the thread named by the message's contextId and answers with a
Task (task id = run id); `message/stream` sends the same as Server-Sent
Events of task, status and artifact updates; `tasks/get` reads a run back
and `tasks/cancel` cancels it. (The agent card: agent_card.py.)"""

from __future__ import annotations

import uuid
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any, AsyncIterator

import orjson
from fastapi import APIRouter, Depends, Request
from starlette.responses import Response, StreamingResponse

from ....application.queries.outcomes import run_outcome
from ....application.queries.runs import get_run, list_runs
from ....domain.errors import DomainError, NotFound, RunAlreadyFinished
from ....domain.statuses import TERMINAL
from ...responses import JSON
from ...services import Services, services
from ...sse import chunk_frames
from .. import invocation, jsonrpc
from ..jsonrpc import INVALID_PARAMS, INVALID_REQUEST, METHOD_NOT_FOUND, RpcError
from . import tasks as a2a

router = APIRouter(tags=["a2a"])


@router.post("/a2a/{assistant_id}")
@router.post("/a2a/{assistant_id}/", include_in_schema=False)
async def post(assistant_id: str, request: Request, s: Services = Depends(services)) -> Response:
    message = jsonrpc.parse(await request.body())
    if isinstance(message, Response):
        return message
    ident, method = message.get("id"), message.get("method")
    if method is None or ident is None:
        return jsonrpc.bad_request(INVALID_REQUEST, "an A2A request needs an id and a method")
    wanted = "text/event-stream" if method == "message/stream" else "application/json"
    if not jsonrpc.accepts(request.headers.get("accept", "*/*"), wanted):
        return JSON({"detail": f"Accept must include {wanted} for {method}"}, status_code=400)
    try:
        assistant = await invocation.find_assistant(s, assistant_id)
    except NotFound as exc:
        return JSON(
            {**jsonrpc.error(ident, INVALID_PARAMS, str(exc)), "detail": str(exc)}, status_code=404
        )
    return await _answer(s, assistant, ident, method, message)


async def _answer(
    s: Services, assistant: dict[str, Any], ident: Any, method: str, message: dict[str, Any]
) -> Response:
    try:
        params = jsonrpc.params_of(message)
        if method == "message/stream":
            return await _stream(s, assistant, ident, params)
        handler = METHODS.get(method)
        if handler is None:
            raise RpcError(METHOD_NOT_FOUND, f"Method not found: {method}")
        return JSON(jsonrpc.result(ident, await handler(s, assistant, params)))
    except RpcError as exc:
        return JSON(jsonrpc.error(ident, exc.code, exc.message))


# -- message/send ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Started:
    task_id: str  # the run that began the task; a resume runs on under its id
    run_id: str
    context_id: str
    status: str


async def _send(s: Services, assistant: dict[str, Any], params: dict[str, Any]) -> dict:
    started = await _start(s, assistant, a2a.checked_message(params))
    if (params.get("configuration") or {}).get("blocking") is False:
        return a2a.task(started.task_id, started.context_id, a2a.state_of(started.status))
    outcome = await invocation.finish(s, started.run_id)
    return a2a.task(
        started.task_id,
        started.context_id,
        a2a.state_of("", outcome.kind),
        outcome=outcome.data,
        assistant_id=assistant["assistant_id"],
    )


async def _start(
    s: Services, assistant: dict[str, Any], message: dict[str, Any], **options: Any
) -> Started:
    if message.get("taskId"):
        return await _resume(s, assistant, message, **options)
    if a2a.has_text(message):
        await _require_messages(s, assistant)
    created = await _launch(
        s,
        assistant,
        message.get("contextId") or str(uuid.uuid4()),
        message,
        input=a2a.graph_input(message),
        **options,
    )
    return Started(created.run_id, created.run_id, created.thread_id, created.status)


async def _resume(
    s: Services, assistant: dict[str, Any], message: dict[str, Any], **options: Any
) -> Started:
    """A message to an input-required task answers its interrupt."""
    run = await _task_run(s, assistant, message["taskId"], message.get("contextId"))
    state, _ = await _state(s, run)
    if state != "input-required":
        raise RpcError(
            a2a.UNSUPPORTED_OPERATION,
            f"task {message['taskId']} is {state}: only an input-required task takes a reply",
        )
    task_id = _task_id_of(run)
    created = await _launch(
        s,
        assistant,
        run["thread_id"],
        message,
        task_id=task_id,
        command={"resume": a2a.resume_value(message)},
        **options,
    )
    return Started(task_id, created.run_id, created.thread_id, created.status)


async def _launch(
    s: Services,
    assistant: dict[str, Any],
    context_id: str,
    message: dict[str, Any],
    *,
    task_id: str | None = None,
    **options: Any,
) -> Any:
    a2a_meta = {"message_id": message["messageId"], **({"task_id": task_id} if task_id else {})}
    try:
        return await invocation.start(
            s,
            assistant["assistant_id"],
            thread_id=context_id,
            metadata={"a2a": a2a_meta},
            **options,
        )
    except DomainError as exc:
        raise RpcError(INVALID_PARAMS, str(exc)) from None


async def _require_messages(s: Services, assistant: dict[str, Any]) -> None:
    schema = await invocation.input_schema(s, assistant) or {}
    if "messages" not in (schema.get("properties") or {}):
        raise RpcError(
            INVALID_PARAMS,
            (
                f"assistant '{assistant['assistant_id']}' (graph '{assistant['graph_id']}') takes "
                "no 'messages' input, so it cannot take text parts; send data parts"
            ),
        )


# -- tasks/get --------------------------------------------------------------------


async def _get(s: Services, assistant: dict[str, Any], params: dict[str, Any]) -> dict:
    run = await _task_run(s, assistant, *_task_params(params))
    state, outcome = await _state(s, run)
    return a2a.task(
        _task_id_of(run),
        run["thread_id"],
        state,
        outcome=outcome,
        assistant_id=assistant["assistant_id"],
    )


async def _cancel(s: Services, assistant: dict[str, Any], params: dict[str, Any]) -> dict:
    task_id, context_id = _task_params(params)
    run = await _task_run(s, assistant, task_id, context_id)
    try:
        await invocation.cancel(s, run["thread_id"], run["run_id"])
    except RunAlreadyFinished:
        state, _ = await _state(s, run)
        raise RpcError(
            a2a.TASK_NOT_CANCELABLE, f"task {task_id} is {state} and cannot be canceled"
        ) from None
    return a2a.task(_task_id_of(run), run["thread_id"], "canceled")


def _task_params(params: dict[str, Any]) -> tuple[str, str | None]:
    task_id, context_id = params.get("id"), params.get("contextId")
    if not isinstance(task_id, str) or not task_id:
        raise RpcError(INVALID_PARAMS, "params.id (the task id) is required")
    if context_id is not None and not isinstance(context_id, str):
        raise RpcError(INVALID_PARAMS, "params.contextId must be a string")
    return task_id, context_id


async def _state(s: Services, run: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    outcome = await run_outcome(s.db, run["run_id"]) if run["status"] in TERMINAL else None
    return (
        a2a.state_of(run["status"], outcome.kind if outcome else None),
        outcome.data if outcome else None,
    )


async def _task_run(
    s: Services, assistant: dict[str, Any], task_id: str, context_id: str | None
) -> dict[str, Any]:
    """The latest run of a task: the one that began it, or a later resume."""
    first = await _run_of(s, assistant, task_id, context_id)
    later = await list_runs(s.db, first["thread_id"], limit=100)
    return next((r for r in later if _task_id_of(r) == first["run_id"]), first)


def _task_id_of(run: dict[str, Any]) -> str:
    return ((run.get("metadata") or {}).get("a2a") or {}).get("task_id") or run["run_id"]


async def _run_of(
    s: Services, assistant: dict[str, Any], task_id: str, context_id: str | None
) -> dict[str, Any]:
    """The run behind a task id (a run id, or `contextId:runId`) of this assistant."""
    prefix, _, run_id = task_id.rpartition(":")
    context_id = context_id or prefix or None
    try:
        run = await get_run(s.db, run_id)
        await invocation.require_thread(s, run["thread_id"])
    except NotFound:
        run = None
    if (
        run is None
        or run["assistant_id"] != assistant["assistant_id"]
        or context_id not in (None, run["thread_id"])
    ):
        raise RpcError(a2a.TASK_NOT_FOUND, f"Task not found: {task_id}")
    return run


# -- message/stream -----------------------------------------------------------------


async def _stream(
    s: Services, assistant: dict[str, Any], ident: Any, params: dict[str, Any]
) -> StreamingResponse:
    try:
        message = a2a.checked_message(params)
        started = await _start(s, assistant, message, stream_mode=["values", "messages-tuple"])
        events = _task_events(s, assistant, ident, message, started)
    except RpcError as exc:
        events = _once(jsonrpc.error(ident, exc.code, exc.message))
    return StreamingResponse(
        events,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _task_events(
    s: Services, assistant: dict[str, Any], ident: Any, message: dict[str, Any], started: Started
) -> AsyncIterator[bytes]:
    task_id, context_id = started.task_id, started.context_id
    submitted = a2a.task(task_id, context_id, "submitted")
    submitted["history"] = [
        {**message, "kind": "message", "taskId": task_id, "contextId": context_id}
    ]
    yield _event(jsonrpc.result(ident, submitted))
    yield _event(
        jsonrpc.result(ident, a2a.status_update(task_id, context_id, "working", final=False))
    )

    def tokens(chunk: Any) -> list[bytes]:
        update = _token_update(chunk, task_id, context_id)
        return [_event(jsonrpc.result(ident, update))] if update else []

    frames = chunk_frames(
        s.streams.run_batches(started.run_id),
        until=lambda c: c.event == "end",
        render=tokens,
        stop=s.stopping,
    )
    async with aclosing(frames) as working:
        async for rendered in working:
            yield rendered
    # The stream's end is a signal; the run's terminal event is the truth.
    outcome = await invocation.finish(s, started.run_id)
    for update in _final_updates(assistant, task_id, context_id, outcome):
        yield _event(jsonrpc.result(ident, update))


def _token_update(chunk: Any, task_id: str, context_id: str) -> dict[str, Any] | None:
    """A model token (messages-tuple mode) as a `working` status update."""
    if chunk.event != "messages":
        return None
    message, _ = orjson.loads(chunk.data)
    text = a2a.message_text(message)
    if not text:
        return None
    update = a2a.status_update(task_id, context_id, "working", final=False)
    update["status"]["message"] = {
        "kind": "message",
        "role": "agent",
        "messageId": message.get("id") or str(uuid.uuid4()),
        "parts": [{"kind": "text", "text": text}],
        "taskId": task_id,
        "contextId": context_id,
    }
    return update


def _final_updates(
    assistant: dict[str, Any], task_id: str, context_id: str, outcome: invocation.Outcome
) -> list[dict[str, Any]]:
    state = a2a.state_of("", outcome.kind)
    updates = []
    if state in ("completed", "input-required"):
        art = a2a.artifact(outcome.data, state, assistant["assistant_id"])
        updates.append(a2a.artifact_update(task_id, context_id, art))
    error = a2a.error_text(outcome.data) if state == "failed" else None
    updates.append(a2a.status_update(task_id, context_id, state, final=True, error=error))
    return updates


async def _once(body: dict[str, Any]) -> AsyncIterator[bytes]:
    yield _event(body)


def _event(body: dict[str, Any]) -> bytes:
    return b"event: message\ndata: " + orjson.dumps(body) + b"\n\n"


METHODS = {"message/send": _send, "tasks/get": _get, "tasks/cancel": _cancel}
