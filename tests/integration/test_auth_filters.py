"""An auth handler's filter, compiled to SQL, chooses the same rows PostgreSQL
would show each user: every form of the filter language on real JSONB."""

from __future__ import annotations

import pytest
from psycopg.types.json import Jsonb

from duragraph.application.queries.visibility import InvalidFilter, compile_filter, visibility
from duragraph.infrastructure.postgres.database import PostgresDatabase

ROWS = {
    "t1": {"owner": "alice", "tags": ["a", "b"], "org": {"id": 1, "name": "acme"}},
    "t2": {"owner": "bob", "tags": ["b"], "level": 3},
    "t3": {"owner": "alice", "tags": "a", "level": 3},
    "t4": {"created_by": "system"},
    "t5": {"owner": ["alice"]},
}


@pytest.fixture
async def db(pool):
    async with pool.connection() as conn:
        for thread_id, metadata in ROWS.items():
            await conn.execute(
                "INSERT INTO threads (thread_id, metadata, status, created_at, "
                "updated_at) VALUES (%s, %s, 'idle', now(), now())",
                (thread_id, Jsonb(metadata)),
            )
    return PostgresDatabase(pool)


async def _matching(db: PostgresDatabase, flt: dict) -> list[str]:
    sql, params = compile_filter("metadata", flt)
    rows = await db.fetch(f"SELECT thread_id FROM threads WHERE {sql} ORDER BY thread_id", params)
    return [r["thread_id"] for r in rows]


@pytest.mark.parametrize(
    "flt, expected",
    [
        ({"owner": "alice"}, ["t1", "t3"]),  # an array holding "alice" is not equal to it
        ({"owner": {"$eq": "bob"}}, ["t2"]),
        ({"org": {"id": 1, "name": "acme"}}, ["t1"]),
        ({"org": {"$eq": {"id": 1}}}, []),  # equality, not containment
        ({"tags": {"$contains": "b"}}, ["t1", "t2"]),
        ({"tags": {"$contains": ["b", "a"]}}, ["t1"]),
        ({"tags": {"$contains": "a"}}, ["t1"]),  # "a" as a plain string is no list
        ({"owner": "alice", "level": 3}, ["t3"]),
        ({"$or": [{"owner": "alice"}, {"created_by": "system"}]}, ["t1", "t3", "t4"]),
        ({"$and": [{"owner": "alice"}, {"tags": {"$contains": "b"}}]}, ["t1"]),
        ({"level": 3, "$or": [{"owner": "bob"}, {"owner": "carol"}]}, ["t2"]),
        ({"$or": [{"$and": [{"owner": "alice"}, {"level": 3}]}, {"owner": "bob"}]}, ["t2", "t3"]),
        ({"missing": None}, []),
    ],
)
async def test_each_filter_form_selects_the_rows_its_meaning_says(db, flt, expected):
    assert await _matching(db, flt) == expected


@pytest.mark.parametrize(
    "flt",
    [
        {"$or": [{"owner": "a"}]},  # fewer than two branches
        {"$or": [{"$and": [{"$or": [{"a": 1}, {"b": 2}]}, {"c": 3}]}, {"d": 4}]},  # depth 3
        {"owner": {"$eq": "a", "$contains": "b"}},  # two operators
        {"owner": {"$regex": "a.*"}},  # unknown operator
        {"$not": {"owner": "a"}},
        {},
    ],
)
def test_malformed_filters_are_refused(flt):
    with pytest.raises(InvalidFilter):
        compile_filter("metadata", flt)


async def test_values_cannot_inject_sql(db):
    assert await _matching(db, {"owner') OR true --": "x"}) == []
    assert await _matching(db, {"owner": "alice' OR '1'='1"}) == []


async def test_visibility_tells_missing_from_invisible(db):
    assert await visibility(db, "threads", "t1", {"owner": "alice"}) is True
    assert await visibility(db, "threads", "t2", {"owner": "alice"}) is False
    assert await visibility(db, "threads", "nope", {"owner": "alice"}) is None


async def test_the_filter_uses_the_metadata_index(db, pool):
    sql, params = compile_filter("metadata", {"owner": "alice"})
    async with pool.connection() as conn:
        await conn.execute("SET enable_seqscan = off")
        cur = await conn.execute(f"EXPLAIN SELECT thread_id FROM threads WHERE {sql}", params)
        plan = "\n".join(r[0] for r in await cur.fetchall())
    assert "threads_metadata" in plan
