from __future__ import annotations

from typing import Any, AsyncIterator

import anyio
from fastapi import APIRouter, Depends, Header, Query

from ...application.commands import runs as cmd
from ...application.queries import runs as q
from ...application.queries.outcomes import result_of, run_outcome
from ...application.queries.threads import get_thread
from ...domain.errors import NotFound, RunAlreadyFinished
from ..responses import JSON
from ..schemas import RunCreate
from ..services import Services, services
from ..sse import frame, run_frames, sse_response

router = APIRouter(tags=["runs"])

_HIDDEN = ("epoch", "graph_id", "temporary", "error")


def _run_out(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in _HIDDEN}


async def _create(s: Services, thread_id: str | None, body: RunCreate, *,
                  start: bool = True) -> cmd.CreatedRun:
    local = s.executor if s.executor is not None and s.executor.has_capacity() else None
    created = await cmd.create_run(cmd.CreateRun(
        assistant_id=body.assistant_id, thread_id=thread_id, kwargs=body.run_kwargs(),
        metadata=body.metadata, multitask_strategy=body.multitask_strategy,
        if_not_exists=body.if_not_exists,
        claim_for=local.worker_id if local else None,
        lease_seconds=local.lease_seconds if local else 10.0), s.store, s.clock, s.graphs)
    if start:
        _start_local(s, created)
    return created


def _start_local(s: Services, created: cmd.CreatedRun) -> None:
    """Execute here a run claimed at its creation (idempotent)."""
    if s.executor is not None and created.claim is not None:
        s.executor.adopt(created.run_id, created.claim)


async def wait_for_run(s: Services, run_id: str) -> Any:
    """Block until the run has finished; the end marker on its NATS subject
    wakes us, and PostgreSQL (the truth) is re-checked every second."""
    if s.executor is not None:
        ours, result = await s.executor.wait_local(run_id)
        if ours:
            return result
    while True:
        outcome = await run_outcome(s.db, run_id)
        if outcome is not None:
            return result_of(outcome)
        await s.streams.wait_end(run_id, timeout=1.0)


def _path(thread_id: str, run_id: str) -> str:
    return f"/threads/{thread_id}/runs/{run_id}"


async def _stream(s: Services, created: cmd.CreatedRun,
                  on_disconnect: str) -> AsyncIterator[bytes]:
    finished = False
    try:
        yield frame("metadata", b'{"run_id":"%s","attempt":1}' % created.run_id.encode(), 0)
        _start_local(s, created)  # after the first frame: the graph's work comes second
        async for chunk in run_frames(s.streams, created.run_id, s.stopping):
            yield chunk
        finished = True
    finally:
        _start_local(s, created)
        if not finished and on_disconnect == "cancel":
            # The client is gone and this task is being cancelled: without
            # the shield the cancel command would be cancelled at its first await.
            with anyio.CancelScope(shield=True):
                await _cancel_quietly(s, created.thread_id, created.run_id)


async def _cancel_quietly(s: Services, thread_id: str, run_id: str) -> None:
    try:
        await cmd.cancel_run(thread_id, run_id, "interrupt", s.store, s.clock)
    except (RunAlreadyFinished, NotFound):  # finished or gone: nothing to cancel
        return
    _cancel_local(s, run_id)


def _cancel_local(s: Services, run_id: str) -> None:
    """Stop it now if it runs here; other workers hear the relayed event."""
    if s.executor is not None:
        s.executor.cancel(run_id)


# -- on a thread --------------------------------------------------------------

@router.post("/threads/{thread_id}/runs")
async def create(thread_id: str, body: RunCreate, s: Services = Depends(services)) -> JSON:
    created = await _create(s, thread_id, body)
    return JSON(_run_out(q.new_run_row(created.spec, created.status)),
                headers={"Content-Location": _path(created.thread_id, created.run_id)})


@router.post("/threads/{thread_id}/runs/stream")
async def stream(thread_id: str, body: RunCreate, s: Services = Depends(services)):
    created = await _create(s, thread_id, body, start=False)
    return sse_response(_stream(s, created, body.on_disconnect),
                        run_path=_path(created.thread_id, created.run_id))


@router.post("/threads/{thread_id}/runs/wait")
async def wait(thread_id: str, body: RunCreate, s: Services = Depends(services)) -> JSON:
    created = await _create(s, thread_id, body)
    return JSON(await wait_for_run(s, created.run_id),
                headers={"Content-Location": _path(created.thread_id, created.run_id)})


@router.get("/threads/{thread_id}/runs")
async def list_runs(thread_id: str, limit: int = Query(10, ge=0), offset: int = Query(0, ge=0),
                    status: str | None = None, s: Services = Depends(services)) -> JSON:
    await get_thread(s.db, thread_id)
    rows = await q.list_runs(s.db, thread_id, limit=limit, offset=offset, status=status)
    return JSON([_run_out(r) for r in rows])


@router.get("/threads/{thread_id}/runs/{run_id}")
async def get(thread_id: str, run_id: str, s: Services = Depends(services)) -> JSON:
    return JSON(_run_out(await q.get_run(s.db, run_id, thread_id)))


@router.delete("/threads/{thread_id}/runs/{run_id}", status_code=204)
async def delete(thread_id: str, run_id: str, s: Services = Depends(services)) -> None:
    await q.get_run(s.db, run_id, thread_id)
    await cmd.delete_run(thread_id, run_id, s.store, s.clock)


@router.post("/threads/{thread_id}/runs/{run_id}/cancel", status_code=202)
async def cancel(thread_id: str, run_id: str, wait: bool = Query(False),
                 action: str = Query("interrupt"), s: Services = Depends(services)):
    await q.get_run(s.db, run_id, thread_id)
    await cmd.cancel_run(thread_id, run_id, action, s.store, s.clock)
    _cancel_local(s, run_id)
    # A run cancelled before any executor took it has nobody else to end its
    # stream; for a running one this end may come before its last chunks.
    await s.streams.publish_end(run_id, "interrupted", thread_id=thread_id)
    if wait:
        await wait_for_run(s, run_id)
    return JSON(None, status_code=202)


@router.get("/threads/{thread_id}/runs/{run_id}/join")
async def join(thread_id: str, run_id: str, s: Services = Depends(services)) -> JSON:
    await q.get_run(s.db, run_id, thread_id)
    return JSON(await wait_for_run(s, run_id))


@router.get("/threads/{thread_id}/runs/{run_id}/stream")
async def join_stream(thread_id: str, run_id: str,
                      last_event_id: str | None = Header(None),
                      stream_mode: list[str] = Query(default=[]),
                      cancel_on_disconnect: bool = Query(False),
                      s: Services = Depends(services)):
    await q.get_run(s.db, run_id, thread_id)
    # No id (or `-1`, "everything"): from the start.
    after = int(last_event_id) if last_event_id and last_event_id.isdigit() else 0
    # The SDK sends `stream_mode=` (empty) when none is given.
    modes = [m for m in stream_mode if m]
    frames = run_frames(s.streams, run_id, s.stopping, after_seq=after, modes=modes)
    if cancel_on_disconnect:
        frames = _cancelling_on_disconnect(s, thread_id, run_id, frames)
    return sse_response(frames, run_path=_path(thread_id, run_id))


async def _cancelling_on_disconnect(s: Services, thread_id: str, run_id: str,
                                    frames: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    finished = False
    try:
        async for chunk in frames:
            yield chunk
        finished = True
    finally:
        if not finished:
            with anyio.CancelScope(shield=True):
                await _cancel_quietly(s, thread_id, run_id)


# -- stateless ----------------------------------------------------------------

@router.post("/runs")
async def create_stateless(body: RunCreate, s: Services = Depends(services)) -> JSON:
    created = await _create(s, None, body)
    return JSON(_run_out(q.new_run_row(created.spec, created.status)))


@router.post("/runs/stream")
async def stream_stateless(body: RunCreate, s: Services = Depends(services)):
    created = await _create(s, None, body, start=False)
    return sse_response(_stream(s, created, body.on_disconnect),
                        run_path=_path(created.thread_id, created.run_id))


@router.post("/runs/wait")
async def wait_stateless(body: RunCreate, s: Services = Depends(services)) -> JSON:
    created = await _create(s, None, body)
    return JSON(await wait_for_run(s, created.run_id))
