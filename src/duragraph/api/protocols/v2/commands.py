"""Protocol v2 commands (`POST /threads/{id}/commands`, and in-band on the
WebSocket): `run.start`, `input.respond`, `agent.getTree`. Each answers a
`success` or an `error` envelope; runs go through api/run_control.py."""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Literal

from pydantic import ValidationError

from ....application.queries import assistants as qa
from ....application.queries import runs as q
from ....application.queries.threads import get_thread
from ....domain.errors import DomainError, NotFound
from ....domain.statuses import ThreadStatus
from ...auth.authenticate import AuthFailure
from ...run_control import create_run
from ...schemas import RunCreate, StreamMode
from ...services import Services
from .events import Translator, Tree

# What a protocol run streams: everything the protocol's channels are made of.
# `tools`: LangGraph's tool-call events as the tools run (started, output
# deltas, finished or failed), a mode only protocol runs may ask for.
RUN_MODES = ["values", "updates", "messages-tuple", "custom", "tasks", "checkpoints", "tools"]


class _ProtocolRun(RunCreate):
    # widens RunCreate's field (a pydantic override mypy sees as an assignment)
    stream_mode: list[StreamMode | Literal["tools"]]  # type: ignore[assignment]


class BadRequest(DomainError):
    """A malformed protocol body: 400 (the default status of a domain error
    api/errors.py does not list), as the protocol specifies."""


class CommandError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _run_body(params: dict[str, Any], **extra: Any) -> RunCreate:
    try:
        return _ProtocolRun(
            stream_mode=RUN_MODES,
            stream_subgraphs=True,
            if_not_exists="create",
            **{
                k: params[k] for k in ("assistant_id", "input", "config", "metadata") if k in params
            },
            **extra,
        )
    except ValidationError as exc:
        raise CommandError(
            "invalid_argument",
            "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()),
        ) from exc


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
    if thread["status"] != ThreadStatus.busy:
        pending = {
            i.get("id")
            for found in (thread.get("interrupts") or {}).values()
            for i in found
            if isinstance(i, dict)
        }
        unknown = [i for i in resume if i not in pending]
        if thread["status"] != ThreadStatus.interrupted or unknown:
            raise CommandError(
                "no_such_interrupt", f"no outstanding interrupt {(unknown or list(resume))[0]!r}"
            )
    latest = await q.list_runs(s.db, thread_id, limit=1)
    body = _run_body(
        {"assistant_id": latest[0]["assistant_id"], **params},
        command={"resume": resume, "update": params.get("update"), "goto": params.get("goto")},
    )
    created = await create_run(s, thread_id, body)
    return {"run_id": created.run_id}


async def _get_tree(s: Services, thread_id: str, params: dict[str, Any]) -> dict[str, Any]:
    """The thread's latest run as a tree of the (sub)graphs it has entered so
    far, from its stored stream."""
    await get_thread(s.db, thread_id)
    latest = await q.list_runs(s.db, thread_id, limit=1)
    if not latest:
        raise CommandError("no_such_run", "no run has been started on this thread")
    run = latest[0]
    tree = Tree(await _graph_name(s, run["assistant_id"]))
    translator = Translator()
    for chunk in await s.streams.stored(run["run_id"], thread_id):
        for method, namespace, data, _ in translator.translate(chunk.event, chunk.data):
            tree.feed(method, namespace, data)
    return {"tree": tree.node()}


async def _graph_name(s: Services, assistant_id: str) -> str:
    try:
        return (await qa.get_assistant(s.db, assistant_id))["graph_id"]
    except NotFound:
        return assistant_id


Handler = Callable[[Services, str, dict[str, Any]], Awaitable[dict[str, Any]]]
COMMANDS: dict[str, Handler] = {
    "run.start": _run_start,
    "input.respond": _input_respond,
    "agent.getTree": _get_tree,
}


def parse(body: Any) -> tuple[int, str, dict[str, Any]]:
    """A command envelope's (id, method, params); BadRequest if malformed."""
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    cid, method, params = body.get("id"), body.get("method"), body.get("params", {})
    if not isinstance(cid, int) or isinstance(cid, bool) or cid < 0:
        raise BadRequest("id: a non-negative integer is required")
    if not isinstance(method, str) or not method:
        raise BadRequest("method: a command name is required")
    if not isinstance(params, dict):
        raise BadRequest("params: an object is expected")
    return cid, method, params


def error(cid: int | None, code: str, message: str) -> dict[str, Any]:
    return {"type": "error", "id": cid, "error": code, "message": message}


async def run_command(
    s: Services,
    thread_id: str,
    cid: int,
    method: str,
    params: dict[str, Any],
    extra: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The response to one command; `extra` names commands the caller
    handles itself (to list them when the method is unknown)."""
    handler = COMMANDS.get(method)
    if handler is None:
        return error(
            cid,
            "unknown_command",
            f"unknown command {method!r}; supported: {', '.join([*COMMANDS, *extra])}",
        )
    try:
        result = await handler(s, thread_id, params)
    except CommandError as exc:
        return error(cid, exc.code, str(exc))
    except DomainError as exc:
        return error(cid, "invalid_argument", str(exc))
    except AuthFailure as exc:  # the auth handler refused: the socket stays open
        return error(cid, "permission_denied", exc.detail)
    return {"type": "success", "id": cid, "result": result}
