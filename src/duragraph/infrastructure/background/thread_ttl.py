"""Thread TTLs and checkpoint retention: the `checkpointer.ttl` and
`checkpointer.retention` policies of langgraph.json, and the sweeper that
applies both through commands (so every expiry and every prune is an event).

    "checkpointer": {"ttl": {"strategy": "delete", "sweep_interval_minutes": 60,
                             "default_ttl": 43200}}

`default_ttl` (minutes) applies to threads created without a `ttl` of their
own; `strategy` is what happens to them: `delete` the thread, or `keep_latest`
(drop all but the latest checkpoints).

    "checkpointer": {"retention": {"keep_last": 20, "max_age_minutes": 10080}}

drops, at every sweep, the checkpoints of live threads beyond the 20 newest of
their namespace or older than a week (see domain.retention)."""

from __future__ import annotations

import asyncio
from typing import Any

from ...application.acting import acting_as
from ...application.commands.thread_state import apply_retention, expire_thread
from ...application.ports import (
    DEFAULT_SWEEP_MINUTES,
    CheckpointBatches,
    Clock,
    Database,
    EventStore,
    TtlPolicy,
)
from ...application.queries.threads import expired_threads, over_retention
from ...domain.errors import InvalidInput
from ...domain.identity import Actor
from ...domain.retention import Retention
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


def retention_policy(
    checkpointer: dict[str, Any] | None, where: str = "langgraph.json"
) -> Retention:
    raw = (checkpointer or {}).get("retention")
    if raw is None:
        return Retention()
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: checkpointer.retention must be an object")
    unknown = sorted(set(raw) - {"keep_last", "max_age_minutes"})
    if unknown:
        raise ConfigError(
            f"{where}: checkpointer.retention has unknown key(s) {', '.join(unknown)} "
            "(it takes keep_last and max_age_minutes)"
        )
    try:
        return Retention(raw.get("keep_last"), raw.get("max_age_minutes"))
    except InvalidInput as exc:
        raise ConfigError(f"{where}: checkpointer.retention.{exc}") from None


class TtlSweeper:
    def __init__(
        self,
        db: Database,
        store: EventStore,
        clock: Clock,
        checkpoints: CheckpointBatches,
        interval_s: float,
        retention: Retention | None = None,
    ) -> None:
        self.db, self.store, self.clock, self.checkpoints = db, store, clock, checkpoints
        self.interval_s, self.retention = interval_s, retention or Retention()

    async def run(self, stop: asyncio.Event) -> None:
        await every(self.interval_s, stop, self.sweep, "TTL sweep")

    async def sweep(self) -> int:
        """Expire what is due now; returns how many threads were expired."""
        expired = 0
        with acting_as(Actor(by="sweeper")):
            for thread_id in await expired_threads(self.db):
                expired += await expire_thread(thread_id, self.store, self.clock, self.checkpoints)
            await self.prune()
        return expired

    async def prune(self) -> int:
        """Apply the retention policy; returns how many checkpoints were dropped."""
        if not self.retention.active:
            return 0
        pruned = 0
        for thread_id in await over_retention(self.db, self.retention, self.clock.now()):
            pruned += await apply_retention(
                thread_id, self.retention, self.db, self.store, self.clock, self.checkpoints
            )
        return pruned
