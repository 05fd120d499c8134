from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Query

from ...application.commands import thread_state as state_cmd
from ...application.commands import threads as cmd
from ...application.queries import threads as q
from ...application.queries.crons import crons_on_thread
from ...application.queries.visibility import visibility
from ...domain.errors import NotFound
from ..access import NotFoundConflict, authorize, require, require_new
from ..auth.service import AuthFailure
from ..bounds import limit_query
from ..responses import JSON
from ..schemas import (
    HistoryQuery,
    ThreadCount,
    ThreadCreate,
    ThreadPatch,
    ThreadPrune,
    ThreadSearch,
    ThreadStateAt,
    ThreadStateUpdate,
)
from ..services import Services, services

router = APIRouter(prefix="/threads", tags=["threads"])


@router.post("")
async def create(body: ThreadCreate, s: Services = Depends(services)) -> JSON:
    value: dict[str, Any] = {
        "thread_id": body.thread_id,
        "if_exists": body.if_exists,
        "metadata": body.metadata if body.metadata is not None else {},
    }
    await require_new(s, "threads", body.thread_id, await authorize(s, "threads", "create", value))
    created = await cmd.create_thread(
        cmd.CreateThread(
            thread_id=body.thread_id,
            metadata=value["metadata"],
            if_exists=body.if_exists,
            ttl=body.ttl.model_dump() if body.ttl else None,
            default_ttl=s.default_ttl,
            supersteps=body.superstep_updates(),
        ),
        s.store,
        s.clock,
        s.states,
    )
    if created.only is not None:
        return JSON(q.created_row(created.only))
    return JSON(await q.get_thread(s.db, created.thread_id))


@router.post("/prune")
async def prune(body: ThreadPrune, s: Services = Depends(services)) -> JSON:
    await _require_all(s, body.thread_ids)
    pruned = await state_cmd.prune_threads(
        body.thread_ids, body.strategy, s.store, s.clock, s.checkpointer
    )
    return JSON({"pruned_count": pruned})


async def _require_all(s: Services, thread_ids: list[str]) -> None:
    """With a filter, every id must be an existing thread of the caller's."""
    flt = await authorize(s, "threads", "delete", {"thread_ids": thread_ids})
    ids = list(dict.fromkeys(thread_ids))
    if flt is not None and ids and await q.count_threads(s.db, ids=ids, visible=flt) < len(ids):
        raise NotFound("thread", "", "At least one thread not found or not authorized")


async def _search_filter(
    s: Services, body: ThreadSearch | ThreadCount, limit: int, offset: int
) -> dict[str, Any] | None:
    return await authorize(
        s,
        "threads",
        "search",
        {
            "metadata": body.metadata or {},
            "values": body.values or {},
            "status": body.status,
            "limit": limit,
            "offset": offset,
        },
    )


@router.post("/search")
async def search(body: ThreadSearch, s: Services = Depends(services)) -> JSON:
    flt = await _search_filter(s, body, body.limit, body.offset)
    return JSON(await q.search_threads(s.db, **body.model_dump(), visible=flt))


@router.post("/count")
async def count(body: ThreadCount, s: Services = Depends(services)) -> JSON:
    flt = await _search_filter(s, body, 0, 0)
    return JSON(await q.count_threads(s.db, **body.model_dump(), visible=flt))


@router.get("/{thread_id}")
async def get(thread_id: str, include: str | None = None, s: Services = Depends(services)) -> JSON:
    await require(s, "threads", "read", thread_id)
    thread = await q.get_thread(s.db, thread_id)
    if "ttl" in (include or "").split(","):
        thread["ttl"] = await q.thread_ttl(s.db, thread_id)
    return JSON(thread)


@router.patch("/{thread_id}")
async def patch(thread_id: str, body: ThreadPatch, s: Services = Depends(services)) -> JSON:
    value: dict[str, Any] = {"thread_id": thread_id, "metadata": body.metadata}
    await require(s, "threads", "update", thread_id, value)
    await cmd.update_thread(
        thread_id,
        value["metadata"],
        s.store,
        s.clock,
        ttl=body.ttl.model_dump() if body.ttl else None,
    )
    return JSON(await q.get_thread(s.db, thread_id))


@router.post("/{thread_id}/copy")
async def copy(thread_id: str, s: Services = Depends(services)) -> JSON:
    await require(s, "threads", "read", thread_id, miss=NotFoundConflict)
    target = str(uuid.uuid4())
    await authorize(s, "threads", "create", {"thread_id": target})  # a verdict, not a filter
    copied = await state_cmd.copy_thread(thread_id, s.store, s.clock, s.checkpointer, target)
    return JSON(await q.get_thread(s.db, copied))


@router.get("/{thread_id}/storage")
async def storage(thread_id: str, s: Services = Depends(services)) -> JSON:
    await require(s, "threads", "read", thread_id)
    await q.get_thread(s.db, thread_id)
    return JSON(await s.states.storage(thread_id))


@router.delete("/{thread_id}", status_code=204)
async def delete(thread_id: str, s: Services = Depends(services)) -> None:
    await require(s, "threads", "delete", thread_id)
    await cmd.delete_thread(thread_id, s.store, s.clock, await crons_on_thread(s.db, thread_id))


async def _state(
    s: Services, thread_id: str, checkpoint: dict[str, Any] | None, subgraphs: bool
) -> JSON:
    await require(s, "threads", "read", thread_id)
    graph_id = await q.thread_graph_id(s.db, thread_id)
    state = await s.states.state(
        thread_id, graph_id, checkpoint=checkpoint, subgraphs=subgraphs, answer=True
    )
    if state is None:
        raise NotFound("checkpoint", (checkpoint or {}).get("checkpoint_id", ""))
    return JSON(state)


@router.get("/{thread_id}/state")
async def state(
    thread_id: str, subgraphs: bool = Query(False), s: Services = Depends(services)
) -> JSON:
    return await _state(s, thread_id, None, subgraphs)


@router.post("/{thread_id}/state")
async def update_state(
    thread_id: str, body: ThreadStateUpdate, s: Services = Depends(services)
) -> JSON:
    await _require_update(s, thread_id)
    checkpoint = await state_cmd.update_state(
        state_cmd.UpdateState(
            thread_id=thread_id, values=body.values, as_node=body.as_node, checkpoint=body.target()
        ),
        s.store,
        s.clock,
        s.states,
    )
    # `configurable` and `checkpoint_id`: deprecated, still sent by the
    # official server, and read by clients written against older SDKs.
    return JSON(
        {
            "checkpoint": checkpoint,
            "configurable": checkpoint,
            "checkpoint_id": checkpoint["checkpoint_id"],
        }
    )


async def _require_update(s: Services, thread_id: str) -> None:
    """As upstream: the update verdict first, then the read; a thread the
    caller can read but not update is 403, one it cannot read is 404."""
    flt = await authorize(s, "threads", "update", {"thread_id": thread_id})
    await require(s, "threads", "read", thread_id)
    if flt is not None and await visibility(s.db, "threads", thread_id, flt) is False:
        raise AuthFailure(403, "Forbidden")


@router.post("/{thread_id}/state/checkpoint")
async def state_at_checkpoint(
    thread_id: str, body: ThreadStateAt, s: Services = Depends(services)
) -> JSON:
    return await _state(s, thread_id, body.checkpoint, body.subgraphs)


@router.get("/{thread_id}/state/{checkpoint_id}")
async def state_at(
    thread_id: str,
    checkpoint_id: str,
    subgraphs: bool = Query(False),
    s: Services = Depends(services),
) -> JSON:
    return await _state(s, thread_id, {"checkpoint_id": checkpoint_id}, subgraphs)


async def _history(s: Services, thread_id: str, body: HistoryQuery) -> JSON:
    await require(s, "threads", "read", thread_id)
    return JSON(
        await s.states.history(
            thread_id,
            await q.thread_graph_id(s.db, thread_id),
            limit=body.limit,
            before=body.before,
            metadata=body.metadata,
            checkpoint=body.checkpoint,
        )
    )


@router.get("/{thread_id}/history")
async def history_get(
    thread_id: str,
    limit: int = limit_query(10),
    before: str | None = None,
    s: Services = Depends(services),
) -> JSON:
    return await _history(s, thread_id, HistoryQuery(limit=limit, before=before))


@router.post("/{thread_id}/history")
async def history_post(thread_id: str, body: HistoryQuery, s: Services = Depends(services)) -> JSON:
    return await _history(s, thread_id, body)
