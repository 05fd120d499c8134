"""Building blocks for search queries: safe ORDER BY and JSONB containment."""

from __future__ import annotations

from typing import Any

from psycopg.types.json import Jsonb

from ...domain.errors import InvalidInput
from .visibility import compile_filter


def order_by(
    sort_by: str | None, sort_order: str | None, allowed: tuple[str, ...], default: str
) -> str:
    column = sort_by or default
    if column not in allowed:
        raise InvalidInput(f"sort_by must be one of {', '.join(allowed)}")
    direction = (sort_order or "desc").lower()
    if direction not in ("asc", "desc"):
        raise InvalidInput("sort_order must be 'asc' or 'desc'")
    return f"ORDER BY {column} {direction}"


def page(limit: int | None, offset: int | None) -> tuple[int, int]:
    limit = 10 if limit is None else limit
    offset = 0 if offset is None else offset
    if limit < 0 or offset < 0:
        raise InvalidInput("limit and offset must not be negative")
    return limit, offset


class Where:
    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.params: list[Any] = []

    def add(self, clause: str, *params: Any) -> "Where":
        self.clauses.append(clause)
        self.params.extend(params)
        return self

    def contains(self, column: str, value: dict[str, Any] | None) -> "Where":
        if value:
            self.add(f"{column} @> %s", Jsonb(value))
        return self

    def visible(self, column: str, flt: dict[str, Any] | None) -> "Where":
        """An auth handler's filter on the metadata `column` (None: everything)."""
        if flt:
            sql, params = compile_filter(column, flt)
            self.add(sql, *params)
        return self

    def sql(self) -> str:
        return ("WHERE " + " AND ".join(self.clauses)) if self.clauses else ""


def select_columns(
    select: list[str] | None, allowed: tuple[str, ...], computed: dict[str, str] | None = None
) -> str:
    """`computed`: fields read as an SQL expression rather than a column."""
    chosen = select or allowed
    bad = [c for c in chosen if c not in allowed]
    if bad:
        raise InvalidInput(f"unknown select field(s): {', '.join(bad)}")
    exprs = computed or {}
    return ", ".join(f"{exprs[c]} AS {c}" if c in exprs else c for c in chosen)
