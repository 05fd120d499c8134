"""Which database this is, as a string stable across restarts, reconnects and
replicas (a promoted standby is the same cluster), different for another
cluster or another database of the same cluster."""

from __future__ import annotations

from typing import Any

_IDENTITY = """
SELECT (SELECT system_identifier FROM pg_control_system())::text AS system,
       current_database() AS database"""


async def database_identity(pool: Any) -> str:
    async with pool.connection() as conn:
        system, database = await (await conn.execute(_IDENTITY)).fetchone()
    return f"database {database} of PostgreSQL system {system}"
