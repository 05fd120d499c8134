"""Thread TTLs: the `checkpointer.ttl` policy of langgraph.json, and the
sweeper that expires threads through commands (so every expiry is an event).

    "checkpointer": {"ttl": {"strategy": "delete", "sweep_interval_minutes": 60,
                             "default_ttl": 43200}}

`default_ttl` (minutes) applies to threads created without a `ttl` of their
own; `strategy` is what happens to them: `delete` the thread, or `keep_latest`
(drop all but the latest checkpoints)."""

from __future__ import annotations

import asyncio
from typing import Any

from ...application.acting import acting_as
from ...application.commands.thread_state import expire_thread
from ...application.ports import (
    DEFAULT_SWEEP_MINUTES,
    CheckpointBatches,
    Clock,
    Database,
    EventStore,
    TtlPolicy,
)
from ...application.queries.threads import expired_threads
from ...domain.identity import Actor
from ...domain.thread import TTL_STRATEGIES
from ..graphs.config import ConfigError
from .loop import every


def _minutes(raw: dict[str, Any], key: str, where: str) -> float | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ConfigError(
            f"{where}: checkpointer.ttl.{key} must be a positive number of minutes, got {value!r}"
        )
    return float(value)


def ttl_policy(checkpointer: dict[str, Any] | None, where: str = "langgraph.json") -> TtlPolicy:
    raw = (checkpointer or {}).get("ttl")
    if raw is None:
        return TtlPolicy()
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: checkpointer.ttl must be an object")
    strategy = raw.get("strategy", "delete")
    if strategy not in TTL_STRATEGIES:
        raise ConfigError(
            f"{where}: checkpointer.ttl.strategy must be one of "
            f"{', '.join(TTL_STRATEGIES)}, got {strategy!r}"
        )
    sweep = _minutes(raw, "sweep_interval_minutes", where) or DEFAULT_SWEEP_MINUTES
    return TtlPolicy(
        default_ttl=_minutes(raw, "default_ttl", where),
        sweep_interval_minutes=sweep,
        strategy=strategy,
    )


class TtlSweeper:
    def __init__(
        self,
        db: Database,
        store: EventStore,
        clock: Clock,
        checkpoints: CheckpointBatches,
        interval_s: float,
    ) -> None:
        self.db, self.store, self.clock, self.checkpoints = db, store, clock, checkpoints
        self.interval_s = interval_s

    async def run(self, stop: asyncio.Event) -> None:
        await every(self.interval_s, stop, self.sweep, "TTL sweep")

    async def sweep(self) -> int:
        """Expire what is due now; returns how many threads were expired."""
        expired = 0
        with acting_as(Actor(by="sweeper")):
            for thread_id in await expired_threads(self.db):
                expired += await expire_thread(thread_id, self.store, self.clock, self.checkpoints)
        return expired
