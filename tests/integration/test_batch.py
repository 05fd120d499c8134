"""A transaction sent in one message: its statements commit together, an error
surfaces as psycopg's own exception and leaves nothing behind, a lost
connection is reported as lost, and the statements it prepares are reused on
the connection."""

from __future__ import annotations

import asyncio

import psycopg
import pytest
from psycopg import errors
from psycopg.types.json import Jsonb

from duragraph.infrastructure.postgres.batch import execute_batch

_TABLE = "CREATE TABLE IF NOT EXISTS batch_t (k text PRIMARY KEY, n int, j jsonb, b bytea)"
_INSERT = "INSERT INTO batch_t (k, n, j, b) VALUES (%s, %s, %s, %s)"


async def _rows(conn: psycopg.AsyncConnection) -> list[tuple]:
    return await (await conn.execute("SELECT k, n, j, b FROM batch_t ORDER BY k")).fetchall()


async def test_the_statements_commit_together_with_their_parameters(pool):
    async with pool.connection() as conn:
        await conn.execute(_TABLE)
        await execute_batch(
            conn,
            [
                ("BEGIN", None),
                (_INSERT, ("a", 1, Jsonb({"x": [1, "y"]}), b"\x00\x01")),
                (_INSERT, ("b", None, Jsonb(None), None)),
                ("UPDATE batch_t SET n = n + %(d)s WHERE k = %(k)s", {"d": 41, "k": "a"}),
                ("COMMIT", None),
            ],
        )
        assert await _rows(conn) == [
            ("a", 42, {"x": [1, "y"]}, b"\x00\x01"),
            ("b", None, None, None),
        ]


async def test_an_error_is_raised_as_psycopg_raises_it_and_nothing_commits(pool):
    async with pool.connection() as conn:
        await conn.execute(_TABLE)
        await conn.execute(_INSERT, ("a", 1, None, None))
    async with pool.connection() as conn:
        with pytest.raises(errors.UniqueViolation) as raised:
            await execute_batch(
                conn,
                [
                    ("BEGIN", None),
                    (_INSERT, ("c", 3, None, None)),
                    (_INSERT, ("a", 2, None, None)),
                    (_INSERT, ("d", 4, None, None)),
                    ("COMMIT", None),
                ],
            )
        assert raised.value.sqlstate == "23505"
        await conn.close()  # the caller's part: the transaction was left open
    async with pool.connection() as conn:
        assert [r[0] for r in await _rows(conn)] == ["a"]


async def test_a_shape_is_prepared_once_and_reused_on_the_connection(pool):
    async with pool.connection() as conn:
        await conn.execute(_TABLE)
        for i in range(5):
            await execute_batch(
                conn, [("BEGIN", None), (_INSERT, (f"k{i}", i, Jsonb(i), None)), ("COMMIT", None)]
            )
        prepared = await (
            await conn.execute(
                "SELECT count(*) FROM pg_prepared_statements "
                "WHERE statement LIKE 'INSERT INTO batch_t%'"
            )
        ).fetchone()
        assert len(await _rows(conn)) == 5
    assert prepared == (1,)


@pytest.mark.parametrize("while_waiting", [False, True], ids=["idle", "busy"])
async def test_a_connection_lost_is_reported_as_lost(database_url, while_waiting):
    """Not as the failure to leave pipeline mode on the dead connection that
    followed it, which said nothing of the cause."""
    conn = await psycopg.AsyncConnection.connect(database_url, autocommit=True)
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as admin:
        waiting = (
            asyncio.ensure_future(execute_batch(conn, [("SELECT pg_sleep(5)", None)]))
            if while_waiting
            else None
        )
        await asyncio.sleep(0.3)
        await admin.execute("SELECT pg_terminate_backend(%s)", (conn.info.backend_pid,))
        await asyncio.sleep(0.2)
        with pytest.raises(psycopg.OperationalError) as raised:
            await (waiting or execute_batch(conn, [("SELECT 1", None)]))
    await conn.close()
    assert "server closed the connection" in str(raised.value)
    assert "pipeline" not in str(raised.value)
