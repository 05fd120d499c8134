"""Runs recorded before a run stopped at interrupt() counted as a success
read as the official server shows them once the server is upgraded."""
from __future__ import annotations

import uuid

import psycopg
from psycopg.types.json import Jsonb

from duragraph.infrastructure.postgres.database import migrate

_RUN = """INSERT INTO runs (run_id, thread_id, assistant_id, graph_id, status, metadata,
              kwargs, multitask_strategy, temporary, created_at, updated_at)
          VALUES (%s, 't', 'a', 'g', 'interrupted', '{}', '{}', 'reject', false, now(), now())"""
_EVENT = """INSERT INTO events (event_id, stream_id, stream_version, type, data)
            VALUES (%s, 'thread-t', %s, %s, %s)"""


async def _old_run(conn: psycopg.AsyncConnection, run_id: str, ending: str, version: int) -> None:
    await conn.execute(_RUN, (run_id,))
    await conn.execute(_EVENT, (uuid.uuid4(), version, ending,
                                Jsonb({"run_id": run_id, "thread_id": "t"})))


async def test_an_upgrade_shows_old_interrupted_runs_as_succeeded_and_keeps_cancelled_ones(
        database_url: str) -> None:
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        await _old_run(conn, "asked", "run.interrupted", 1)
        await _old_run(conn, "cancelled", "run.cancelled", 2)
        # as a database from before the upgrade: the migration not applied yet
        await conn.execute("DELETE FROM duragraph_migrations WHERE version = 9")
    assert await migrate(database_url) == ["009_interrupted_runs_succeeded.sql"]
    async with await psycopg.AsyncConnection.connect(database_url) as conn:
        rows = await (await conn.execute(
            "SELECT run_id, status FROM runs ORDER BY run_id")).fetchall()
    assert rows == [("asked", "success"), ("cancelled", "interrupted")]
