"""Connection pool, JSON codecs and schema migrations."""
from __future__ import annotations

import logging
from importlib import resources
from typing import Any

import orjson
import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import set_json_dumps, set_json_loads
from psycopg_pool import AsyncConnectionPool

log = logging.getLogger(__name__)

set_json_dumps(lambda obj: orjson.dumps(obj, default=str, option=orjson.OPT_NON_STR_KEYS))
set_json_loads(orjson.loads)

_MIGRATIONS_LOCK = 7261_0001  # advisory lock: one migrator at a time


async def open_pool(url: str, *, min_size: int = 2, max_size: int = 20) -> AsyncConnectionPool:
    pool = AsyncConnectionPool(
        url, min_size=min_size, max_size=max_size, open=False,
        # No per-checkout health check: it would cost a round trip on every
        # query. Broken connections surface as errors and the pool replaces them.
        kwargs={"autocommit": True},
        reconnect_timeout=3600,
    )
    await pool.open(wait=True, timeout=30)
    return pool


def _migration_files() -> list[tuple[int, str, str]]:
    folder = resources.files("duragraph.infrastructure.postgres") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            found.append((int(entry.name.split("_", 1)[0]), entry.name, entry.read_text()))
    return sorted(found)


async def migrate(url: str) -> list[str]:
    """Apply pending migrations; returns the names applied."""
    applied: list[str] = []
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        await conn.execute("SELECT pg_advisory_lock(%s)", (_MIGRATIONS_LOCK,))
        await conn.execute("""CREATE TABLE IF NOT EXISTS duragraph_migrations (
            version integer PRIMARY KEY, name text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now())""")
        done = {r[0] for r in await (await conn.execute(
            "SELECT version FROM duragraph_migrations")).fetchall()}
        for version, name, sql in _migration_files():
            if version in done:
                continue
            async with conn.transaction():
                await conn.execute(sql)
                await conn.execute("INSERT INTO duragraph_migrations (version, name) VALUES (%s, %s)",
                                   (version, name))
            applied.append(name)
            log.info("applied migration %s", name)
        await conn.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATIONS_LOCK,))
    return applied


class Database:
    """Read access for query handlers: rows as dicts."""

    def __init__(self, pool: AsyncConnectionPool) -> None:
        self.pool = pool

    async def fetch(self, sql: str, params: Any = None) -> list[dict[str, Any]]:
        async with self.pool.connection() as conn:
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute(sql, params)
            return await cur.fetchall()

    async def fetchone(self, sql: str, params: Any = None) -> dict[str, Any] | None:
        rows = await self.fetch(sql, params)
        return rows[0] if rows else None

    async def execute(self, sql: str, params: Any = None) -> int:
        async with self.pool.connection() as conn:
            cur = await conn.execute(sql, params)
            return cur.rowcount
