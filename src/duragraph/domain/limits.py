"""How large the ids, keys and durations a client gives may be.

Ids and keys end up in btree indexes, whose entries PostgreSQL caps at about
2,700 bytes; a duration is added to a clock, and the time it gives must stay
a Python datetime and a PostgreSQL timestamptz. The maxima leave room to
spare on both, so no value a client sends can fail in the database."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from .errors import InvalidInput

# 4 UTF-8 bytes a character at most: 1 KB, with the stream prefix, in a btree entry.
MAX_ID_CHARS = 256
# A store item's address (namespace and key, as its stream id) as UTF-8 bytes.
MAX_STORE_ADDRESS_BYTES = 2048
# Ten years: longer than any delay or TTL we know of a use for, and far
# from datetime's year 9999 whatever clock it is added to.
MAX_DURATION = timedelta(days=3653)
# Moments a client names (a cron's end): any duration above added to them stays representable.
EARLIEST = datetime(1970, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(9000, 1, 1, tzinfo=timezone.utc)
OUT_OF_REACH = f"must fall between the years {EARLIEST.year} and {LATEST.year}"


def check_id(kind: str, ident: Any) -> None:
    if isinstance(ident, str) and len(ident) > MAX_ID_CHARS:
        raise InvalidInput(f"{kind}_id is longer than {MAX_ID_CHARS} characters")


def duration(field: str, amount: Any, unit: str) -> timedelta:
    """A client's number of `unit`s as a duration, or InvalidInput naming
    `field`: not a number, negative, NaN, or over MAX_DURATION."""
    if isinstance(amount, bool) or not isinstance(amount, (int, float)):
        raise InvalidInput(f"{field} must be a number of {unit}, got {amount!r}")
    limit = MAX_DURATION / timedelta(**{unit: 1})
    if not 0 <= amount <= limit:  # NaN fails every comparison, infinity the last
        raise InvalidInput(f"{field} must be between 0 and {limit:.0f} {unit} (ten years)")
    return timedelta(**{unit: float(amount)})


def in_reach(value: datetime) -> bool:
    """Within EARLIEST..LATEST; a naive moment is UTC."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
    return EARLIEST <= aware < LATEST


def check_moment(field: str, value: datetime | None) -> datetime | None:
    if value is not None and not in_reach(value):
        raise InvalidInput(f"{field} {OUT_OF_REACH}")
    return value
