"""Closing connections at shutdown, each step whatever became of the one
before: a NATS or PostgreSQL outage at that moment must neither hang the
exit nor skip stopping the embedded servers after it."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable

log = logging.getLogger(__name__)

CLOSE_TIMEOUT_S = 3.0


async def quietly(what: str, step: Awaitable[Any], timeout: float = CLOSE_TIMEOUT_S) -> None:
    """One shutdown step: bounded, and a failure is one line, not a traceback."""
    try:
        await asyncio.wait_for(step, timeout)
    except asyncio.TimeoutError:
        log.warning("closing %s: gave up after %.0fs", what, timeout)
    except Exception as exc:
        log.warning("closing %s: %s: %s", what, type(exc).__name__, exc)


async def close_nats(nc: Any) -> None:
    """Drain (deliver what is buffered) when connected; a connection that is
    reconnecting has nothing to drain and drain() refuses it, so close it."""
    if nc.is_closed:
        return
    if nc.is_connected:
        try:
            await asyncio.wait_for(nc.drain(), CLOSE_TIMEOUT_S / 2)
            return
        except Exception:  # timed out, or the server went away meanwhile
            pass
    await nc.close()
