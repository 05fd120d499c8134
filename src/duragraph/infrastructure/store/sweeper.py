"""Removes expired store items in the background (`store.ttl.sweep_interval_minutes`).
Readers never see an expired item anyway; the sweep reclaims the rows."""
from __future__ import annotations

import asyncio
import contextlib
import logging

from ...application.commands.store import SWEEP_PAGE, StoreDeps, sweep_expired

log = logging.getLogger(__name__)


async def sweep_store(deps: StoreDeps, interval: float, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            while await sweep_expired(deps) >= SWEEP_PAGE and not stop.is_set():
                pass  # a full page: there may be more
        except asyncio.CancelledError:
            raise
        except Exception:  # a conflict with a writer, or a lost connection: next round
            log.warning("store sweep failed; retrying", exc_info=True)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)
