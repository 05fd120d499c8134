"""Cron expressions: validation and the next tick, in the cron's timezone.

Five fields (minute precision), or six with seconds last (croniter's form,
as the official server reads them). The next tick is computed in the cron's
IANA timezone, so "0 9 * * *" means 9:00 there, across DST changes too."""

from __future__ import annotations

import functools
from datetime import datetime, timezone
from zoneinfo import ZoneInfo, available_timezones

from croniter import CroniterError, croniter

from ..domain.errors import InvalidInput

MAX_SCHEDULE_CHARS = 256
# croniter gives up on a schedule with no tick within this many years ("0 0 30 2 *");
# 8 is the longest gap between two real ticks (29 February, around 2100).
_YEARS_BETWEEN_TICKS = 9


def validate(schedule: str, tz: str | None, now: datetime) -> None:
    """A cron expression that fires at least once from `now`, in a known time zone."""
    if (
        not isinstance(schedule, str)
        or len(schedule) > MAX_SCHEDULE_CHARS
        or not croniter.is_valid(schedule)
    ):
        raise InvalidInput(f"schedule: {_shown(schedule)} is not a valid cron expression")
    zone(tz)
    if next_tick(schedule, tz, now) is None:
        raise InvalidInput(f"schedule: {_shown(schedule)} never fires")


def zone(tz: str | None) -> ZoneInfo | timezone:
    if tz is None:
        return timezone.utc
    if not isinstance(tz, str) or tz not in _zone_names():  # not a path to any file
        raise InvalidInput(f"timezone: {_shown(tz)} is not a known IANA timezone")
    return ZoneInfo(tz)


@functools.cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones()) | {"UTC"}


def next_tick(schedule: str, tz: str | None, after: datetime) -> datetime | None:
    """The first tick strictly after `after`, in UTC; None if there is none
    (nor any zone: a cron stored before its zone was checked stops, rather
    than fail at every sweep)."""
    try:
        local = after.astimezone(zone(tz))
        tick = croniter(schedule, local, max_years_between_matches=_YEARS_BETWEEN_TICKS)
        return tick.get_next(datetime).astimezone(timezone.utc)
    except (InvalidInput, CroniterError, OverflowError, ValueError):
        return None


def _shown(value: object) -> str:
    """A client's value in an error message, not all 10,000 characters of it."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
