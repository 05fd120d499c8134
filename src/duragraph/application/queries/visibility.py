"""An auth handler's filter (`{"owner": "alice"}`, `$eq`, `$contains`, `$or`,
`$and`) compiled into SQL over a JSONB metadata column, so that PostgreSQL
decides visibility inside the read query (GIN-indexed by containment) and
paging and counts stay exact."""

from __future__ import annotations

from typing import Any

import orjson
from psycopg.types.json import Jsonb

from ..ports import Database

MAX_DEPTH = 2


class InvalidFilter(Exception):
    """The auth handler returned a filter we cannot apply: a server error."""


def compile_filter(column: str, flt: dict[str, Any], depth: int = 0) -> tuple[str, list[Any]]:
    if not isinstance(flt, dict) or not flt:
        raise InvalidFilter(f"a filter must be a non-empty object, got {flt!r}")
    parts = [_clause(column, key, cond, depth) for key, cond in flt.items()]
    sql = " AND ".join(p[0] for p in parts)
    return f"({sql})", [param for p in parts for param in p[1]]


def _clause(column: str, key: str, cond: Any, depth: int) -> tuple[str, list[Any]]:
    if key in ("$or", "$and"):
        return _branches(column, key, cond, depth + 1)
    if key.startswith("$"):
        raise InvalidFilter(f"unknown filter operator {key!r}")
    if isinstance(cond, dict) and any(k.startswith("$") for k in cond):
        return _operator(column, key, cond)
    return _equals(column, key, cond)


def _branches(column: str, op: str, branches: Any, depth: int) -> tuple[str, list[Any]]:
    if depth > MAX_DEPTH:
        raise InvalidFilter(f"filters nest at most {MAX_DEPTH} levels of $or/$and")
    if not isinstance(branches, list) or len(branches) < 2:
        raise InvalidFilter(f"{op} needs a list of at least 2 filters")
    compiled = [compile_filter(column, b, depth) for b in branches]
    joiner = " OR " if op == "$or" else " AND "
    return (f"({joiner.join(c[0] for c in compiled)})", [param for c in compiled for param in c[1]])


def _operator(column: str, key: str, cond: dict[str, Any]) -> tuple[str, list[Any]]:
    if len(cond) != 1:
        raise InvalidFilter(f"filter on {key!r}: an operator object has exactly one key")
    ((op, value),) = cond.items()
    if op == "$eq":
        return _equals(column, key, value)
    if op == "$contains":
        wanted = value if isinstance(value, list) else [value]
        return f"{column} @> %s", [Jsonb({key: _plain(wanted)})]
    raise InvalidFilter(f"filter on {key!r}: unknown operator {op!r}")


def _equals(column: str, key: str, value: Any) -> tuple[str, list[Any]]:
    # Containment finds candidates through the GIN index; equality makes it
    # exact (containment alone matches a larger object).
    plain = _plain(value)
    return f"({column} @> %s AND {column} -> %s = %s)", [Jsonb({key: plain}), key, Jsonb(plain)]


def _plain(value: Any) -> Any:
    """As the official server compares: JSON-serialized (UUIDs, datetimes as strings)."""
    try:
        return orjson.loads(orjson.dumps(value))
    except TypeError as exc:
        raise InvalidFilter(f"filter value {value!r} is not JSON: {exc}") from None


# resource -> (projection table, id column); runs are seen through their thread.
TARGETS = {
    "threads": ("threads", "thread_id"),
    "assistants": ("assistants", "assistant_id"),
    "crons": ("crons", "cron_id"),
}


async def visibility(db: Database, resource: str, ident: str, flt: dict[str, Any]) -> bool | None:
    """None: no such row; else whether its metadata passes the filter."""
    table, id_column = TARGETS[resource]
    sql, params = compile_filter("metadata", flt)
    row = await db.fetchone(
        f"SELECT {sql} AS visible FROM {table} WHERE {id_column} = %s", (*params, ident)
    )
    return None if row is None else bool(row["visible"])
