"""Which checkpoints of a thread a retention policy drops
(`checkpointer.retention` in langgraph.json).

A checkpoint is kept while it is among the `keep_last` newest of its
namespace and younger than `max_age_minutes` (each rule only when set). The
newest checkpoint of every namespace and its parent are kept whatever the
policy says: the thread's state, a resumable interrupt and the step a new run
forks from live there."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple, Sequence

from .errors import InvalidInput


@dataclass(frozen=True, slots=True)
class Retention:
    keep_last: int | None = None
    max_age_minutes: float | None = None

    def __post_init__(self) -> None:
        keep, age = self.keep_last, self.max_age_minutes
        if keep is not None and (isinstance(keep, bool) or not isinstance(keep, int) or keep < 1):
            raise InvalidInput(f"keep_last must be a whole number of at least 1, got {keep!r}")
        if age is not None and (
            isinstance(age, bool) or not isinstance(age, (int, float)) or age <= 0
        ):
            raise InvalidInput(f"max_age_minutes must be a positive number, got {age!r}")

    @property
    def active(self) -> bool:
        return self.keep_last is not None or self.max_age_minutes is not None

    def cutoff(self, now: datetime) -> datetime | None:
        """Checkpoints created before this are too old (None: no age limit)."""
        if self.max_age_minutes is None:
            return None
        return now - timedelta(minutes=self.max_age_minutes)


class StoredCheckpoint(NamedTuple):
    checkpoint_ns: str
    checkpoint_id: str
    parent_checkpoint_id: str | None
    created_at: datetime


def to_prune(
    checkpoints: Sequence[StoredCheckpoint], policy: Retention, now: datetime
) -> list[tuple[str, str]]:
    """(namespace, checkpoint id) of each checkpoint the policy drops."""
    by_ns: dict[str, list[StoredCheckpoint]] = {}
    for c in checkpoints:
        by_ns.setdefault(c.checkpoint_ns, []).append(c)
    return [pruned for chain in by_ns.values() for pruned in _in_namespace(chain, policy, now)]


def _in_namespace(
    chain: list[StoredCheckpoint], policy: Retention, now: datetime
) -> list[tuple[str, str]]:
    newest_first = sorted(chain, key=lambda c: c.checkpoint_id, reverse=True)
    latest = newest_first[0]
    needed = {latest.checkpoint_id, latest.parent_checkpoint_id}
    cutoff = policy.cutoff(now)
    return [
        (c.checkpoint_ns, c.checkpoint_id)
        for rank, c in enumerate(newest_first)
        if c.checkpoint_id not in needed
        and (
            (policy.keep_last is not None and rank >= policy.keep_last)
            or (cutoff is not None and c.created_at < cutoff)
        )
    ]
