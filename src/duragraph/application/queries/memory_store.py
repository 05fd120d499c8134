"""Reads of the long-term memory store (the store_items projection).
Items whose expiry has passed are invisible, swept or not."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from psycopg.types.json import Jsonb

from ...domain.errors import InvalidInput
from ...domain.memory_store import WILDCARD, Namespace
from ..ports import Database
from .filters import Where

ITEM = "s.namespace, s.key, s.value, s.created_at, s.updated_at, s.ttl_minutes"
_OPERATORS = {
    "$eq": "=",
    "$ne": "IS DISTINCT FROM",
    "$gt": ">",
    "$gte": ">=",
    "$lt": "<",
    "$lte": "<=",
}
_COMBINE = {"$and": " AND ", "$or": " OR "}

# Cosine similarity with the query vector (and its norm), the best
# of the item's embeddings (one per indexed text).
_SCORE = """(SELECT max((SELECT sum(a * b) FROM unnest(v.embedding, %s::float8[]) AS t(a, b))
                     / NULLIF(v.norm * %s, 0))
            FROM store_vectors v WHERE v.namespace = s.namespace AND v.key = s.key)"""


def _alive(now: datetime) -> Where:
    return Where().add("(s.expires_at IS NULL OR s.expires_at > %s)", now)


async def get_item(
    db: Database, namespace: Namespace, key: str, now: datetime
) -> dict[str, Any] | None:
    where = _alive(now).add("s.namespace = %s AND s.key = %s", list(namespace), key)
    return await db.fetchone(f"SELECT {ITEM} FROM store_items s {where.sql()}", where.params)


def _filter(where: Where, conditions: dict[str, Any] | None) -> Where:
    """Conditions on the item's value; `$and`/`$or` combine whole filters (an
    auth handler's filter is ANDed with the caller's this way)."""
    for field, wanted in (conditions or {}).items():
        if field in _COMBINE:
            _branches(where, field, wanted)
        elif isinstance(wanted, dict) and wanted and all(k.startswith("$") for k in wanted):
            for op, operand in wanted.items():
                if op not in _OPERATORS:
                    raise InvalidInput(
                        f"filter '{field}': unknown operator '{op}' (use {', '.join(_OPERATORS)})"
                    )
                where.add(f"s.value -> %s {_OPERATORS[op]} %s", field, Jsonb(operand))
        else:
            where.add("s.value -> %s = %s", field, Jsonb(wanted))
    return where


def _branches(where: Where, op: str, branches: Any) -> None:
    if (
        not isinstance(branches, list)
        or not branches
        or not all(isinstance(b, dict) for b in branches)
    ):
        raise InvalidInput(f"filter: {op} takes a non-empty list of filters")
    parts = [_filter(Where(), b) for b in branches]
    each = ["(" + (" AND ".join(p.clauses) or "TRUE") + ")" for p in parts]
    where.add("(" + _COMBINE[op].join(each) + ")", *(param for p in parts for param in p.params))


def check_page(limit: int, offset: int) -> None:
    if limit < 0 or offset < 0:
        raise InvalidInput("limit and offset must not be negative")


async def search_items(
    db: Database,
    prefix: Namespace,
    *,
    now: datetime,
    filter: dict[str, Any] | None = None,
    limit: int = 10,
    offset: int = 0,
    query_vector: list[float] | None = None,
) -> list[dict[str, Any]]:
    check_page(limit, offset)
    where = _filter(_alive(now), filter)
    if prefix:
        where.add("s.namespace[1:%s] = %s", len(prefix), list(prefix))
    score, order = "NULL::float8", "s.updated_at DESC, s.namespace, s.key"
    scored: tuple[Any, ...] = ()
    if query_vector is not None:
        score, order = _SCORE, f"score DESC NULLS LAST, {order}"
        scored = (query_vector, math.sqrt(sum(x * x for x in query_vector)))
    return await db.fetch(
        f"SELECT {ITEM}, {score} AS score FROM store_items s {where.sql()} "
        f"ORDER BY {order} LIMIT %s OFFSET %s",
        (*scored, *where.params, limit, offset),
    )


def _matches(where: Where, path: Namespace, *, suffix: bool) -> Where:
    if not path:
        return where
    where.add("cardinality(s.namespace) >= %s", len(path))
    for i, label in enumerate(path):
        if label == WILDCARD:
            continue
        if suffix:
            where.add("s.namespace[cardinality(s.namespace) - %s] = %s", len(path) - 1 - i, label)
        else:
            where.add("s.namespace[%s] = %s", i + 1, label)
    return where


async def list_namespaces(
    db: Database,
    *,
    now: datetime,
    prefix: Namespace = (),
    suffix: Namespace = (),
    max_depth: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[list[str]]:
    check_page(limit, offset)
    if max_depth is not None and max_depth < 1:
        raise InvalidInput("max_depth must be at least 1")
    where = _matches(_matches(_alive(now), prefix, suffix=False), suffix, suffix=True)
    column = "s.namespace" if max_depth is None else "s.namespace[1:%s]"
    depth = () if max_depth is None else (max_depth,)
    rows = await db.fetch(
        f"SELECT DISTINCT {column} AS ns FROM store_items s {where.sql()} "
        "ORDER BY ns LIMIT %s OFFSET %s",
        (*depth, *where.params, limit, offset),
    )
    return [list(r["ns"]) for r in rows]
