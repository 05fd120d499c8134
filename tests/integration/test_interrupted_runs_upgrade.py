"""Runs and threads projected before they took the official server's shapes
(a run stopped at interrupt() a success; interrupts without a null
`response_schema`) read in those shapes once the server is upgraded."""

from __future__ import annotations

import uuid

import psycopg
from psycopg.types.json import Jsonb

from duragraph.infrastructure.postgres.database import migrate

_RUN = """INSERT INTO runs (run_id, thread_id, assistant_id, graph_id, status, metadata,
              kwargs, multitask_strategy, temporary, created_at, updated_at)
          VALUES (%s, 't', 'a', 'g', 'interrupted', '{}', '{}', 'reject', false, now(), now())"""
_THREAD = """INSERT INTO threads (thread_id, metadata, status, interrupts, created_at, updated_at)
             VALUES ('t', '{}', 'interrupted', %s, now(), now())"""
OLD = {"id": "i", "value": 1, "response_schema": None}
_EVENT = """INSERT INTO events (event_id, stream_id, stream_version, type, data)
            VALUES (%s, 'thread-t', %s, %s, %s)"""


async def _old_run(conn: psycopg.AsyncConnection, run_id: str, ending: str, version: int) -> None:
    await conn.execute(_RUN, (run_id,))
    await conn.execute(
        _EVENT, (uuid.uuid4(), version, ending, Jsonb({"run_id": run_id, "thread_id": "t"}))
    )


async def test_an_upgrade_shows_old_runs_and_interrupts_in_the_official_shapes(
    database_url: str,
) -> None:
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        await _old_run(conn, "asked", "run.interrupted", 1)
        await _old_run(conn, "cancelled", "run.cancelled", 2)
        await conn.execute(_THREAD, (Jsonb({"task": [OLD, {**OLD, "response_schema": {}}]}),))
        # as a database from before the upgrade: the migration not applied yet
        await conn.execute("DELETE FROM duragraph_migrations WHERE version = 9")
    assert await migrate(database_url) == ["009_interrupted_runs_succeeded.sql"]
    async with await psycopg.AsyncConnection.connect(database_url) as conn:
        rows = await (
            await conn.execute("SELECT run_id, status FROM runs ORDER BY run_id")
        ).fetchall()
        [(interrupts,)] = await (await conn.execute("SELECT interrupts FROM threads")).fetchall()
    assert rows == [("asked", "success"), ("cancelled", "interrupted")]
    assert interrupts == {
        "task": [{"id": "i", "value": 1}, {"id": "i", "value": 1, "response_schema": {}}]
    }
