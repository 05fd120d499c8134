"""Removes expired store items in the background (`store.ttl.sweep_interval_minutes`).
Readers never see an expired item anyway; the sweep reclaims the rows."""

from __future__ import annotations

import asyncio

from ...application.acting import acting_as
from ...application.commands.memory_store import SWEEP_PAGE, StoreDeps, sweep_expired
from ...domain.identity import Actor
from .loop import every


async def sweep_store(deps: StoreDeps, interval: float, stop: asyncio.Event) -> None:
    async def page() -> bool:
        with acting_as(Actor(by="sweeper")):
            return await sweep_expired(deps) >= SWEEP_PAGE  # a full page: there may be more

    await every(interval, stop, page, "store sweep")
