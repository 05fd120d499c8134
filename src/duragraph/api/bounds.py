"""The ranges of the numbers, ids and times a request may carry, as types for
the request schemas and query parameters: out of range is a 422 naming the
field, before anything reaches the database. The domain keeps the same
rules (domain/limits.py) for every other way in."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Query
from pydantic import AfterValidator, Field

from ..domain.limits import MAX_DURATION, MAX_ID_CHARS, OUT_OF_REACH, in_reach

MAX_LIMIT = 1000  # the official server's maximum page (its OpenAPI `limit` maximum)
# Far beyond any table we page through, and `offset + limit + 1` stays a
# 32-bit integer whatever a query does with it.
MAX_OFFSET = 10**9
MAX_POSITION = 2**63 - 1  # an event's position, a stream sequence: a PostgreSQL bigint
MAX_DEPTH = 1000  # namespace labels; it only truncates, but reaches SQL as an integer

Limit = Annotated[int, Field(ge=1, le=MAX_LIMIT)]
Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET)]
Depth = Annotated[int, Field(ge=1, le=MAX_DEPTH)]
Id = Annotated[str, Field(max_length=MAX_ID_CHARS)]
Seconds = Annotated[float, Field(ge=0, le=MAX_DURATION.total_seconds(), allow_inf_nan=False)]
Minutes = Annotated[float, Field(gt=0, le=MAX_DURATION.total_seconds() / 60, allow_inf_nan=False)]


def _moment(value: datetime) -> datetime:
    if not in_reach(value):  # pydantic names the field of a ValueError
        raise ValueError(OUT_OF_REACH)
    return value


Moment = Annotated[datetime, AfterValidator(_moment)]


def limit_query(default: int) -> int:
    return Query(default, ge=1, le=MAX_LIMIT)


def offset_query() -> int:
    return Query(0, ge=0, le=MAX_OFFSET)


def position_query() -> int:
    return Query(0, ge=0, le=MAX_POSITION)
