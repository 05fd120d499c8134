"""The cron aggregate: a schedule that creates a run at each tick.

Its stream version is what makes a tick fire once: a scheduler appends
`cron.fired` at the version it loaded, in the transaction that creates the
tick's run, so of several schedulers racing on one tick only one commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, ClassVar

from .aggregate import Aggregate, Handlers
from .errors import InvalidInput, NotFound
from .limits import check_moment
from . import events as ev

# (schedule, timezone, after) -> the first tick after `after`; cron syntax is
# not the domain's business, the rules about ticks are.
NextTick = Callable[[str, "str | None", datetime], "datetime | None"]

ON_RUN_COMPLETED = ("delete", "keep")
_RESCHEDULING = ("schedule", "timezone", "end_time", "enabled")


class Cron(Aggregate):
    stream_prefix = "cron"
    kind = "cron"

    def __init__(self, ident: str) -> None:
        super().__init__(ident)
        self.current: dict[str, Any] = {}

    @property
    def next_run_date(self) -> datetime | None:
        return _parse(self.current.get("next_run_date"))

    def due(self, now: datetime) -> bool:
        tick, end = self.next_run_date, _parse(self.current.get("end_time"))
        return (
            self.live
            and self.current["enabled"]
            and tick is not None
            and tick <= now
            and (end is None or tick <= end)
        )

    # -- commands ------------------------------------------------------------
    def create(
        self,
        *,
        assistant_id: str,
        thread_id: str | None,
        schedule: str,
        timezone: str | None,
        end_time: datetime | None,
        enabled: bool,
        payload: dict[str, Any],
        metadata: dict[str, Any],
        on_run_completed: str | None,
        now: datetime,
        next_tick: NextTick,
        user_id: str | None = None,
    ) -> None:
        state: dict[str, Any] = {
            "cron_id": self.id,
            "assistant_id": assistant_id,
            "thread_id": thread_id,
            "user_id": user_id,
            "schedule": schedule,
            "timezone": timezone,
            "end_time": _iso(check_moment("end_time", end_time)),
            "enabled": enabled,
            "payload": payload,
            "metadata": metadata,
            "on_run_completed": _on_completed(thread_id, on_run_completed or "delete"),
        }
        self._record(ev.CronCreated(at=now, **state, next_run_date=_next(state, now, next_tick)))

    def update(self, changes: dict[str, Any], *, now: datetime, next_tick: NextTick) -> None:
        """`changes` holds only the fields the caller set; `payload` entries
        replace the run's, `metadata` merges, `end_time` None clears it."""
        self._require_live()
        state = {k: v for k, v in self.current.items() if k != "next_run_date"}
        state["payload"] = {**state["payload"], **changes.get("payload", {})}
        state["metadata"] = {**state["metadata"], **changes.get("metadata", {})}
        for key in ("schedule", "timezone", "enabled"):
            if key in changes:
                state[key] = changes[key]
        if "end_time" in changes:
            state["end_time"] = _iso(check_moment("end_time", changes["end_time"]))
        if "on_run_completed" in changes:
            state["on_run_completed"] = _on_completed(
                state["thread_id"], changes["on_run_completed"]
            )
        rescheduled = any(k in changes for k in _RESCHEDULING)
        nxt = _next(state, now, next_tick) if rescheduled else self.current["next_run_date"]
        self._record(ev.CronUpdated(at=now, **state, next_run_date=nxt))

    def fire(
        self,
        *,
        now: datetime,
        next_tick: NextTick,
        run_id: str | None = None,
        thread_id: str | None = None,
        error: str | None = None,
    ) -> None:
        """Record this tick (its run, or why there is none) and schedule the
        next one after `now`: ticks missed while no scheduler ran fire once."""
        if not self.due(now):
            raise InvalidInput(f"cron '{self.id}' is not due")
        self._record(
            ev.CronFired(
                at=now,
                cron_id=self.id,
                tick=self.current["next_run_date"],
                run_id=run_id,
                thread_id=thread_id,
                error=error,
                next_run_date=_next(self.current, now, next_tick),
            )
        )

    def delete(self, *, now: datetime) -> None:
        self._require_live()
        self._record(ev.CronDeleted(at=now, cron_id=self.id))

    def _require_live(self) -> None:
        if not self.live:
            raise NotFound("cron", self.id)

    # -- state transitions ---------------------------------------------------
    def _on_cron_created(self, e: ev.CronCreated) -> None:
        self.deleted = False
        self.current = _state_of(e)

    def _on_cron_updated(self, e: ev.CronUpdated) -> None:
        self.current = _state_of(e)

    def _on_cron_fired(self, e: ev.CronFired) -> None:
        self.current = {**self.current, "next_run_date": e.next_run_date}

    def _on_cron_deleted(self, e: ev.CronDeleted) -> None:
        self.deleted = True

    handlers: ClassVar[Handlers] = {
        ev.CronCreated: _on_cron_created,
        ev.CronUpdated: _on_cron_updated,
        ev.CronFired: _on_cron_fired,
        ev.CronDeleted: _on_cron_deleted,
    }


def _state_of(e: ev.CronCreated | ev.CronUpdated) -> dict[str, Any]:
    data = e.to_data()
    del data["at"]
    return data


def _on_completed(thread_id: str | None, value: str | None) -> str | None:
    if thread_id is not None:
        return None  # a thread cron runs on its thread, which stays
    if value not in ON_RUN_COMPLETED:
        raise InvalidInput("on_run_completed must be 'delete' or 'keep'")
    return value


def _next(state: dict[str, Any], after: datetime, next_tick: NextTick) -> str | None:
    """The next tick, or None when there is none or it would fall after end_time."""
    tick = next_tick(state["schedule"], state["timezone"], after)
    end = _parse(state["end_time"])
    return None if tick is None or (end is not None and tick > end) else tick.isoformat()


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
