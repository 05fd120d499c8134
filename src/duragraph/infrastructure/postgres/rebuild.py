"""Drop every projection and replay the event log into it, in one transaction
(TRUNCATE locks out writers until the new rows are committed)."""

from __future__ import annotations

from psycopg_pool import AsyncConnectionPool

from ... import projections
from ...domain.events import from_data


async def rebuild_projections(pool: AsyncConnectionPool) -> int:
    replayed = 0
    async with pool.connection() as conn, conn.transaction():
        await conn.execute(f"TRUNCATE {', '.join(projections.TABLES)}")
        reader = conn.cursor(name="replay")  # server-side: the log may be large
        await reader.execute("SELECT type, data FROM events ORDER BY tx_id, position")
        writer = conn.cursor()
        async for type_, data in reader:
            for sql, params in projections.statements(from_data(type_, data)):
                await writer.execute(sql, params)
            replayed += 1
    return replayed
