"""The audit log beside the LangGraph API: domain events in order."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from ...application.queries import runs as runs_q
from ...application.queries import threads as threads_q
from ...application.queries.events import related_events
from ..access import require
from ..bounds import limit_query, position_query
from ..responses import JSON
from ..services import Services, services

router = APIRouter(tags=["events"])


@router.get("/threads/{thread_id}/events")
async def thread_events(
    thread_id: str,
    after: int = position_query(),
    limit: int = limit_query(100),
    s: Services = Depends(services),
) -> JSON:
    await require(s, "threads", "read", thread_id)
    await threads_q.get_thread(s.db, thread_id)
    return JSON(await related_events(s.db, "thread_id", thread_id, after=after, limit=limit))


@router.get("/threads/{thread_id}/runs/{run_id}/events")
async def run_events(
    thread_id: str,
    run_id: str,
    after: int = position_query(),
    limit: int = limit_query(100),
    s: Services = Depends(services),
) -> JSON:
    await require(s, "threads", "read", thread_id)
    await runs_q.get_run(s.db, run_id, thread_id)
    return JSON(await related_events(s.db, "run_id", run_id, after=after, limit=limit))
