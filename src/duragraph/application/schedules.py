"""Cron expressions: validation and the next tick, in the cron's timezone.

Five fields (minute precision), or six with seconds last (croniter's form,
as the official server reads them). The next tick is computed in the cron's
IANA timezone, so "0 9 * * *" means 9:00 there, across DST changes too."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

from ..domain.errors import InvalidInput


def validate(schedule: str, tz: str | None) -> None:
    if not isinstance(schedule, str) or not croniter.is_valid(schedule):
        raise InvalidInput(f"schedule: '{schedule}' is not a valid cron expression")
    zone(tz)


def zone(tz: str | None) -> ZoneInfo | timezone:
    if tz is None:
        return timezone.utc
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"timezone: '{tz}' is not a known IANA timezone") from None


def next_tick(schedule: str, tz: str | None, after: datetime) -> datetime:
    """The first tick strictly after `after`, in UTC."""
    local = after.astimezone(zone(tz))
    return croniter(schedule, local).get_next(datetime).astimezone(timezone.utc)
