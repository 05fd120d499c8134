"""Connection pool, JSON codecs and schema migrations."""

from __future__ import annotations

import logging
import weakref
from importlib import resources
from time import monotonic
from typing import Any

import orjson
import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import set_json_dumps, set_json_loads
from psycopg_pool import AsyncConnectionPool

from .bulkhead import Connections

log = logging.getLogger(__name__)

set_json_dumps(lambda obj: orjson.dumps(obj, default=str, option=orjson.OPT_NON_STR_KEYS))
set_json_loads(orjson.loads)

_MIGRATIONS_LOCK = 7261_0001  # advisory lock: one migrator at a time


class _Health:
    """Checks a connection before use only when it may be dead: it sat idle
    (a PostgreSQL restart or a killed backend leaves idle connections dead),
    or a broken connection was seen lately. A busy pool pays no round trip;
    after an outage requests get live connections instead of errors."""

    IDLE_S = 1.0
    SUSPECT_S = 10.0

    def __init__(self) -> None:
        self.returned: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()
        self.suspect_until = 0.0

    def broken_seen(self) -> None:
        self.suspect_until = monotonic() + self.SUSPECT_S

    def returning(self, conn: psycopg.AsyncConnection) -> None:
        self.returned[conn] = monotonic()

    async def check(self, conn: psycopg.AsyncConnection) -> None:
        now = monotonic()
        if now - self.returned.get(conn, 0.0) < self.IDLE_S and now > self.suspect_until:
            return
        try:
            await conn.execute("")
        except psycopg.Error:
            self.broken_seen()
            raise  # the pool discards it and hands out another


class _OnPurpose(logging.Filter):
    """psycopg_pool warns of each closed connection handed back to it; those
    we closed on purpose (`discard`) are not news, and a line per optimistic
    conflict was noise. A connection that died by itself still warns."""

    def __init__(self) -> None:
        super().__init__()
        self.closed: weakref.WeakSet[Any] = weakref.WeakSet()

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            isinstance(record.args, tuple) and record.args and record.args[0] in self.closed
        )


_on_purpose = _OnPurpose()


async def discard(conn: psycopg.AsyncConnection) -> None:
    """Close a pooled connection that must not be reused; the pool replaces it."""
    _on_purpose.closed.add(conn)
    await conn.close()


class _Pool(AsyncConnectionPool):
    """The return time is noted here, not in a `reset` hook: with a hook, the
    pool hands every returned connection to its worker task (a queue, a task
    switch), about 2% of the server's CPU on the hot path; without one it puts
    it back inline."""

    def __init__(self, *args: Any, health: _Health, **kwargs: Any) -> None:
        super().__init__(*args, check=health.check, **kwargs)
        self.health = health

    async def putconn(self, conn: psycopg.AsyncConnection) -> None:
        if conn.broken:
            self.health.broken_seen()
        self.health.returning(conn)
        await super().putconn(conn)


async def open_pool(
    url: str, *, min_size: int = 2, max_size: int = 20, application_name: str = "duragraph"
) -> AsyncConnectionPool:
    if _on_purpose not in logging.getLogger("psycopg.pool").filters:
        logging.getLogger("psycopg.pool").addFilter(_on_purpose)
    pool = _Pool(
        url,
        min_size=min_size,
        max_size=max_size,
        open=False,
        kwargs={"autocommit": True, "application_name": application_name},
        reconnect_timeout=3600,
        health=_Health(),
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
        done = {
            r[0]
            for r in await (
                await conn.execute("SELECT version FROM duragraph_migrations")
            ).fetchall()
        }
        for version, name, sql in _migration_files():
            if version in done:
                continue
            async with conn.transaction():
                await conn.execute(sql)
                await conn.execute(
                    "INSERT INTO duragraph_migrations (version, name) VALUES (%s, %s)",
                    (version, name),
                )
            applied.append(name)
            log.info("applied migration %s", name)
        await conn.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATIONS_LOCK,))
    return applied


class PostgresDatabase:
    """The application's Database port over the pool: rows as dicts."""

    def __init__(self, pool: Connections) -> None:
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
