from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from ...application.commands import crons as cmd
from ...application.commands.runs import assistant_key
from ...application.queries import crons as q
from ..access import authorize, require
from ..auth.service import current_user
from ..responses import JSON
from ..run_control import check_webhook
from ..run_access import payload_with_identity, require_assistant
from ..schemas import CronCount, CronCreate, CronPatch, CronSearch
from ..services import Services, services

router = APIRouter(tags=["crons"])


async def _create(s: Services, thread_id: str | None, body: CronCreate) -> JSON:
    await check_webhook(s, body)
    user = current_user.get()
    value: dict[str, Any] = {
        "payload": body.run_payload(),
        "schedule": body.schedule,
        "cron_id": None,
        "thread_id": thread_id,
        "user_id": user.identity if user is not None else None,
        "end_time": body.end_time,
        "metadata": body.metadata,
    }
    if s.auth.enabled:
        await _authorize_create(s, thread_id, body.assistant_id, value)
    cron_id = await cmd.create_cron(
        cmd.CreateCron(
            assistant_id=body.assistant_id,
            schedule=body.schedule,
            thread_id=thread_id,
            timezone=body.timezone,
            end_time=body.end_time,
            enabled=body.enabled,
            payload=payload_with_identity(value["payload"], user),
            metadata=value["metadata"] or {},
            on_run_completed=body.on_run_completed,
            user_id=value["user_id"],
        ),
        s.store,
        s.clock,
        s.graphs,
    )
    return JSON(await q.get_cron(s.db, cron_id))


async def _authorize_create(
    s: Services, thread_id: str | None, assistant_id: str, value: dict[str, Any]
) -> None:
    """crons.create, then what its runs will use: the assistant (unless a
    system one) and the thread; one the caller cannot see is a 404."""
    await authorize(s, "crons", "create", value)
    await require_assistant(s, assistant_id)
    if thread_id is not None:
        await require(s, "threads", "read", thread_id)


@router.post("/threads/{thread_id}/runs/crons")
async def create_for_thread(
    thread_id: str, body: CronCreate, s: Services = Depends(services)
) -> JSON:
    return await _create(s, thread_id, body)


@router.post("/runs/crons")
async def create(body: CronCreate, s: Services = Depends(services)) -> JSON:
    return await _create(s, None, body)


@router.post("/runs/crons/search")
async def search(body: CronSearch, s: Services = Depends(services)) -> JSON:
    filters = await _filters(s, body, body.limit, body.offset)
    return JSON(await q.search_crons(s.db, **filters))


@router.post("/runs/crons/count")
async def count(body: CronCount, s: Services = Depends(services)) -> JSON:
    return JSON(await q.count_crons(s.db, **await _filters(s, body, 0, 0)))


async def _filters(
    s: Services, body: CronSearch | CronCount, limit: int, offset: int
) -> dict[str, Any]:
    """The body's filters (a graph id stands for its default assistant) and
    the caller's: on the crons, and on the threads of thread crons."""
    filters = body.model_dump()
    if body.assistant_id:
        filters["assistant_id"] = assistant_key(body.assistant_id, s.graphs)
    filters["visible"] = await authorize(
        s,
        "crons",
        "search",
        {
            "assistant_id": body.assistant_id,
            "thread_id": body.thread_id,
            "limit": limit,
            "offset": offset,
            "metadata": body.metadata,
        },
    )
    filters["thread_visible"] = await (
        authorize(s, "threads", "read", {"thread_id": body.thread_id})
        if body.thread_id
        else authorize(s, "threads", "search", {})
    )
    return filters


@router.get("/runs/crons/{cron_id}")
async def get(cron_id: str, s: Services = Depends(services)) -> JSON:
    await require(s, "crons", "read", cron_id)
    return JSON(await q.get_cron(s.db, cron_id))


@router.patch("/runs/crons/{cron_id}")
async def patch(cron_id: str, body: CronPatch, s: Services = Depends(services)) -> JSON:
    changes = body.changes()
    value: dict[str, Any] = {
        "cron_id": cron_id,
        "schedule": body.schedule,
        "end_time": body.end_time,
        "enabled": body.enabled,
        "on_run_completed": body.on_run_completed,
        "payload": changes.get("payload", {}),
    }
    if body.metadata is not None:
        value["metadata"] = changes["metadata"]
    await require(s, "crons", "update", cron_id, value)
    await check_webhook(s, body)
    await cmd.update_cron(cron_id, changes, s.store, s.clock)
    return JSON(await q.get_cron(s.db, cron_id))


@router.delete("/runs/crons/{cron_id}", status_code=204)
async def delete(cron_id: str, s: Services = Depends(services)) -> None:
    await require(s, "crons", "delete", cron_id)
    await cmd.delete_cron(cron_id, s.store, s.clock)
