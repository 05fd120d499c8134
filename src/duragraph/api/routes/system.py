from __future__ import annotations

from fastapi import APIRouter, Depends

from ..services import Services, services

router = APIRouter(tags=["system"])


@router.get("/ok")
async def ok() -> dict:
    return {"ok": True}


@router.get("/info")
async def info(s: Services = Depends(services)) -> dict:
    return {"version": s.info.get("version"), "flags": {"assistants": True, "crons": False,
                                                         "langsmith": False},
            "metadata": s.info}
