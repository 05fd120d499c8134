from __future__ import annotations

from typing import Any, AsyncIterator, Literal

import anyio
from fastapi import APIRouter, Depends, Header, Query, Response

from ...application.commands import runs as cmd
from ...application.queries import runs as q
from ...application.queries.outcomes import run_outcome
from ...application.queries.threads import get_thread
from ...application.queries.visibility import visibility
from ...domain.errors import NotFound
from ..access import authorize, require
from ..bounds import limit_query, offset_query
from ..last_event_id import resume_after
from ..responses import JSON
from ..run_access import authorize_run
from ..run_control import (
    cancel_quietly,
    check_webhook,
    create_run,
    run_command,
    run_headers,
    start_local,
    stopped,
)
from ..run_results import result_response
from ..schemas import RunCreate, RunsCancel
from ..services import Services, services
from ..sse import run_frames, sse_response

router = APIRouter(tags=["runs"])

_HIDDEN = ("epoch", "graph_id", "temporary", "error")


def _run_out(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in _HIDDEN}


def _path(thread_id: str, run_id: str) -> str:
    return f"/threads/{thread_id}/runs/{run_id}"


def _stateless_path(run_id: str) -> str:
    return f"/runs/{run_id}"


async def _stream(s: Services, created: cmd.CreatedRun, on_disconnect: str) -> AsyncIterator[bytes]:
    finished = False
    try:
        start_local(s, created)
        async for chunk in run_frames(s.streams, created.run_id, s.stopping):
            yield chunk
        finished = True
    finally:
        start_local(s, created)
        if not finished and on_disconnect == "cancel":
            # The client is gone and this task is being cancelled: without
            # the shield the cancel command would be cancelled at its first await.
            with anyio.CancelScope(shield=True):
                await cancel_quietly(s, created.thread_id, created.run_id)


def _cancel_value(
    thread_id: str | None, action: str, run_ids: list[str] | None, status: str | None
) -> dict[str, Any]:
    return {
        "thread_id": thread_id,
        "action": action,
        "metadata": {"run_ids": run_ids, "status": status},
    }


NOTHING_TO_CANCEL = "No matching runs to cancel: every run named has finished or been deleted."


async def _cancel_by_status(s: Services, body: RunsCancel, action: str) -> None:
    """Runs on threads the caller may not update are left alone; with an auth
    filter, nothing left to cancel is a 404, as upstream."""
    flt = await authorize(
        s, "threads", "update", _cancel_value(body.thread_id, action, None, body.status)
    )
    rows = await q.active_runs(s.db, body.status or "all", body.thread_id, visible=flt)
    if flt is not None and not rows:
        raise NotFound("run", "", "No runs found to cancel.")
    by_thread: dict[str, list[str]] = {}
    for row in rows:
        by_thread.setdefault(row["thread_id"], []).append(row["run_id"])
    for thread_id, run_ids in by_thread.items():
        try:
            cancelled = await cmd.cancel_runs(thread_id, run_ids, action, s.store, s.clock)
        except NotFound:  # the thread or a run was deleted meanwhile
            continue
        await stopped(s, thread_id, cancelled)


# -- on a thread --------------------------------------------------------------


@router.post("/threads/{thread_id}/runs")
async def create(thread_id: str, body: RunCreate, s: Services = Depends(services)) -> JSON:
    created = await create_run(s, thread_id, body)
    return JSON(
        _run_out(q.new_run_row(created.spec, created.status)),
        headers={"Content-Location": _path(created.thread_id, created.run_id)},
    )


@router.post("/threads/{thread_id}/runs/stream")
async def stream(thread_id: str, body: RunCreate, s: Services = Depends(services)):
    created = await create_run(s, thread_id, body, start=False)
    return sse_response(
        _stream(s, created, body.on_disconnect), run_path=_path(created.thread_id, created.run_id)
    )


@router.post("/threads/{thread_id}/runs/wait")
async def wait(thread_id: str, body: RunCreate, s: Services = Depends(services)):
    return _result(s, await create_run(s, thread_id, body), body.on_disconnect)


def _result(s: Services, created: cmd.CreatedRun, on_disconnect: str):
    """A client gone before the run's end cancels it only if it asked for
    on_disconnect='cancel' (by default the run carries on)."""
    return result_response(
        s, created.thread_id, created.run_id, cancel_on_disconnect=on_disconnect == "cancel"
    )


@router.get("/threads/{thread_id}/runs")
async def list_runs(
    thread_id: str,
    limit: int = limit_query(10),
    offset: int = offset_query(),
    status: str | None = None,
    s: Services = Depends(services),
) -> JSON:
    await require(s, "threads", "read", thread_id)
    await get_thread(s.db, thread_id)
    if not await _searchable(s, thread_id):
        return JSON([])
    rows = await q.list_runs(s.db, thread_id, limit=limit, offset=offset, status=status)
    return JSON([_run_out(r) for r in rows])


async def _searchable(s: Services, thread_id: str) -> bool:
    flt = await authorize(s, "threads", "search", {"thread_id": thread_id, "metadata": {}})
    return flt is None or await visibility(s.db, "threads", thread_id, flt) is not False


@router.get("/threads/{thread_id}/runs/{run_id}")
async def get(thread_id: str, run_id: str, s: Services = Depends(services)) -> JSON:
    await require(s, "threads", "read", thread_id)
    return JSON(_run_out(await q.get_run(s.db, run_id, thread_id)))


@router.delete("/threads/{thread_id}/runs/{run_id}", status_code=204)
async def delete(thread_id: str, run_id: str, s: Services = Depends(services)) -> None:
    await require(s, "threads", "delete", thread_id, {"thread_id": thread_id, "run_id": run_id})
    await q.get_run(s.db, run_id, thread_id)
    await cmd.delete_run(thread_id, run_id, s.store, s.clock)


@router.post("/threads/{thread_id}/runs/{run_id}/cancel", status_code=202)
async def cancel(
    thread_id: str,
    run_id: str,
    wait: bool = Query(False),
    action: str = Query("interrupt"),
    s: Services = Depends(services),
):
    await require(
        s, "threads", "update", thread_id, _cancel_value(thread_id, action, [run_id], None)
    )
    await q.get_run(s.db, run_id, thread_id)
    await cmd.cancel_run(thread_id, run_id, action, s.store, s.clock)
    # For a running run this end may come before its last chunks.
    await stopped(s, thread_id, [run_id])
    if wait:  # as upstream: the run's result once it has stopped, as join answers it
        return result_response(s, thread_id, run_id)
    return Response(status_code=202)


async def _require_run(s: Services, thread_id: str, run_id: str) -> None:
    """The run exists, or ended on this thread: a stateless run's thread may
    have gone with its end, and its result is still there to join. A run
    executing here exists: no query."""
    await require(s, "threads", "read", thread_id)
    if s.executor is not None and s.executor.executing(run_id, thread_id):
        return
    try:
        await q.get_run(s.db, run_id, thread_id)
    except NotFound:
        outcome = await run_outcome(s.db, run_id)
        if outcome is None or outcome.data.get("thread_id") != thread_id:
            raise


@router.get("/threads/{thread_id}/runs/{run_id}/join")
async def join(thread_id: str, run_id: str, s: Services = Depends(services)):
    await _require_run(s, thread_id, run_id)
    return result_response(s, thread_id, run_id)


@router.get("/threads/{thread_id}/runs/{run_id}/stream")
async def join_stream(
    thread_id: str,
    run_id: str,
    last_event_id: str | None = Header(None),
    stream_mode: list[str] = Query(default=[]),
    cancel_on_disconnect: bool = Query(False),
    s: Services = Depends(services),
):
    await _require_run(s, thread_id, run_id)
    after = await _resume_point(s, thread_id, run_id, last_event_id)
    # The SDK sends `stream_mode=` (empty) when none is given.
    modes = [m for m in stream_mode if m]
    frames = (
        run_frames(s.streams, run_id, s.stopping, after_seq=after, modes=modes)
        if after is not None
        else _nothing()
    )
    if cancel_on_disconnect:
        frames = _cancelling_on_disconnect(s, thread_id, run_id, frames)
    return sse_response(frames, run_path=_path(thread_id, run_id))


async def _resume_point(
    s: Services, thread_id: str, run_id: str, last_event_id: str | None
) -> int | None:
    """The sequence to stream after (no id, or `-1`: from the start); None
    when the run ended at or before it: nothing more will come."""
    after = resume_after(last_event_id) or 0
    if after == 0:
        return 0
    end = await s.streams.end_seq(run_id, thread_id)
    if end is not None and after >= end:
        return None
    # Not an id we gave (a later sequence): what comes next, up to the run's end.
    return min(after, await s.streams.last_seq())


async def _nothing() -> AsyncIterator[bytes]:
    """A stream that ends at once."""
    empty: tuple[bytes, ...] = ()
    for chunk in empty:
        yield chunk


async def _cancelling_on_disconnect(
    s: Services, thread_id: str, run_id: str, frames: AsyncIterator[bytes]
) -> AsyncIterator[bytes]:
    finished = False
    try:
        async for chunk in frames:
            yield chunk
        finished = True
    finally:
        if not finished:
            with anyio.CancelScope(shield=True):
                await cancel_quietly(s, thread_id, run_id)


# -- stateless ----------------------------------------------------------------


@router.post("/runs")
async def create_stateless(body: RunCreate, s: Services = Depends(services)) -> JSON:
    created = await create_run(s, None, body)
    return JSON(
        _run_out(q.new_run_row(created.spec, created.status)),
        headers={"Content-Location": _stateless_path(created.run_id)},
    )


@router.post("/runs/batch")
async def create_batch(body: list[RunCreate], s: Services = Depends(services)) -> JSON:
    for run in body:
        await check_webhook(s, run)
    if s.auth.enabled:  # every run authorized before any is created: all or nothing
        body = [await authorize_run(s, None, run) for run in body]
    headers = run_headers(s)
    created = await cmd.create_stateless_runs(
        [run_command(None, b, headers=headers) for b in body], s.store, s.clock, s.graphs
    )
    return JSON([_run_out(q.new_run_row(c.spec, c.status)) for c in created])


@router.post("/runs/cancel", status_code=204)
async def cancel_many(
    body: RunsCancel,
    action: Literal["interrupt", "rollback"] = Query("interrupt"),
    s: Services = Depends(services),
) -> Response:
    if body.status is None:
        assert body.thread_id and body.run_ids
        await require(
            s,
            "threads",
            "update",
            body.thread_id,
            _cancel_value(body.thread_id, action, body.run_ids, None),
        )
        cancelled = await cmd.cancel_runs(body.thread_id, body.run_ids, action, s.store, s.clock)
        if not cancelled:  # as upstream: every one named has finished
            raise NotFound("run", "", NOTHING_TO_CANCEL)
        await stopped(s, body.thread_id, cancelled)
    else:
        await _cancel_by_status(s, body, action)
    return Response(status_code=204)


@router.post("/runs/stream")
async def stream_stateless(body: RunCreate, s: Services = Depends(services)):
    created = await create_run(s, None, body, start=False)
    return sse_response(
        _stream(s, created, body.on_disconnect),
        run_path=_path(created.thread_id, created.run_id),
        created=_stateless_path(created.run_id),
    )


@router.post("/runs/wait")
async def wait_stateless(body: RunCreate, s: Services = Depends(services)):
    return _result(s, await create_run(s, None, body), body.on_disconnect)
