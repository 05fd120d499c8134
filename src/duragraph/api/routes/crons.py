from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from ...application.commands import crons as cmd
from ...application.commands.runs import assistant_key
from ...application.queries import crons as q
from ..responses import JSON
from ..schemas import CronCount, CronCreate, CronPatch, CronSearch
from ..services import Services, services

router = APIRouter(tags=["crons"])


async def _create(s: Services, thread_id: str | None, body: CronCreate) -> JSON:
    cron_id = await cmd.create_cron(cmd.CreateCron(
        assistant_id=body.assistant_id, schedule=body.schedule, thread_id=thread_id,
        timezone=body.timezone, end_time=body.end_time, enabled=body.enabled,
        payload=body.run_payload(), metadata=body.metadata,
        on_run_completed=body.on_run_completed), s.store, s.clock, s.graphs)
    return JSON(await q.get_cron(s.db, cron_id))


@router.post("/threads/{thread_id}/runs/crons")
async def create_for_thread(thread_id: str, body: CronCreate,
                            s: Services = Depends(services)) -> JSON:
    return await _create(s, thread_id, body)


@router.post("/runs/crons")
async def create(body: CronCreate, s: Services = Depends(services)) -> JSON:
    return await _create(s, None, body)


@router.post("/runs/crons/search")
async def search(body: CronSearch, s: Services = Depends(services)) -> JSON:
    return JSON(await q.search_crons(s.db, **_filters(s, body)))


@router.post("/runs/crons/count")
async def count(body: CronCount, s: Services = Depends(services)) -> JSON:
    return JSON(await q.count_crons(s.db, **_filters(s, body)))


def _filters(s: Services, body: CronSearch | CronCount) -> dict[str, Any]:
    """The body's filters; a graph id stands for its default assistant."""
    filters = body.model_dump()
    if body.assistant_id:
        filters["assistant_id"] = assistant_key(body.assistant_id, s.graphs)
    return filters


@router.get("/runs/crons/{cron_id}")
async def get(cron_id: str, s: Services = Depends(services)) -> JSON:
    return JSON(await q.get_cron(s.db, cron_id))


@router.patch("/runs/crons/{cron_id}")
async def patch(cron_id: str, body: CronPatch, s: Services = Depends(services)) -> JSON:
    await cmd.update_cron(cron_id, body.changes(), s.store, s.clock)
    return JSON(await q.get_cron(s.db, cron_id))


@router.delete("/runs/crons/{cron_id}", status_code=204)
async def delete(cron_id: str, s: Services = Depends(services)) -> None:
    await cmd.delete_cron(cron_id, s.store, s.clock)
