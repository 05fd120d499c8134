"""Named queries over the checkpoint projections (`checkpoints`,
`checkpoint_writes`) and the checkpoint blobs they refer to. Reads only:
every write goes through events."""

from __future__ import annotations

import base64
from typing import Any, NamedTuple, Sequence

from langgraph.checkpoint.base import CheckpointMetadata
from psycopg.types.json import Jsonb

from ....domain.events import ChannelBlob
from ..bulkhead import Connections


class StoredWrite(NamedTuple):
    task_id: str
    idx: int
    channel: str
    type: str
    blob: bytes
    task_path: str


class CheckpointRow(NamedTuple):
    thread_id: str
    checkpoint_ns: str
    checkpoint_id: str
    parent_checkpoint_id: str | None
    run_id: str | None
    type: str
    checkpoint: bytes
    metadata: CheckpointMetadata  # as stored (JSON)
    writes: list[StoredWrite]
    blob_versions: dict[str, str] | None  # None: every value inline
    blobs: list[ChannelBlob]  # the values the checkpoint refers to


# The writes ride along as JSON so that a checkpoint and its pending writes
# come back in one round trip; blobs are base64 inside it.
_COLUMNS = """
c.thread_id, c.checkpoint_ns, c.checkpoint_id, c.parent_checkpoint_id, c.run_id,
       c.type, c.checkpoint, c.metadata,
       COALESCE((SELECT jsonb_agg(jsonb_build_array(w.task_id, w.idx, w.channel, w.type,
                                                    encode(w.blob, 'base64'), w.task_path))
                 FROM checkpoint_writes w
                 WHERE w.thread_id = c.thread_id AND w.checkpoint_ns = c.checkpoint_ns
                   AND w.checkpoint_id = c.checkpoint_id), '[]'::jsonb),
       c.blob_versions,
       ARRAY(SELECT ARRAY[convert_to(b.channel, 'UTF8'), convert_to(b.version, 'UTF8'),
                          convert_to(b.type, 'UTF8'), b.blob]
             FROM jsonb_each_text(c.blob_versions) v
             JOIN checkpoint_blobs b
               ON b.thread_id = c.thread_id AND b.checkpoint_ns = c.checkpoint_ns
              AND b.channel = v.key AND b.version = v.value)"""

_SELECT = "SELECT" + _COLUMNS + " FROM checkpoints c"

ONE_BY_ID = (
    _SELECT
    + """
WHERE c.thread_id = %s AND c.checkpoint_ns = %s AND c.checkpoint_id = %s"""
)

LATEST = (
    _SELECT
    + """
WHERE c.thread_id = %s AND c.checkpoint_ns = %s
ORDER BY c.checkpoint_id DESC LIMIT 1"""
)

WHOLE_THREAD = (
    _SELECT
    + """
WHERE c.thread_id = %s ORDER BY c.checkpoint_ns, c.checkpoint_id"""
)

LATEST_PER_NAMESPACE = (
    "SELECT DISTINCT ON (c.checkpoint_ns)"
    + _COLUMNS
    + """
FROM checkpoints c WHERE c.thread_id = %s
ORDER BY c.checkpoint_ns, c.checkpoint_id DESC"""
)

THREADS_OF_RUNS = """
SELECT DISTINCT thread_id FROM checkpoints WHERE run_id = ANY(%s) ORDER BY thread_id"""


def _row(raw: tuple) -> CheckpointRow:
    writes = [
        StoredWrite(t, idx, ch, ty, base64.b64decode(b64), path)
        for t, idx, ch, ty, b64, path in raw[8]
    ]
    blobs = [
        ChannelBlob(ch.decode(), version.decode(), ty.decode(), bytes(blob))
        for ch, version, ty, blob in raw[10]
    ]
    return CheckpointRow._make((*raw[:6], bytes(raw[6]), raw[7], writes, raw[9], blobs))


async def _fetch(pool: Connections, sql: str, params: Sequence[Any]) -> list[tuple]:
    async with pool.connection() as conn:
        cur = await conn.execute(sql, params)
        return await cur.fetchall()


async def fetch_one(
    pool: Connections, thread_id: str, checkpoint_ns: str, checkpoint_id: str | None
) -> CheckpointRow | None:
    """The named checkpoint, or the newest of the namespace when no id is given."""
    if checkpoint_id:
        rows = await _fetch(pool, ONE_BY_ID, (thread_id, checkpoint_ns, checkpoint_id))
    else:
        rows = await _fetch(pool, LATEST, (thread_id, checkpoint_ns))
    return _row(rows[0]) if rows else None


async def fetch_many(
    pool: Connections,
    *,
    thread_id: str | None,
    checkpoint_ns: str | None,
    checkpoint_id: str | None,
    filter: dict[str, Any] | None,
    before_id: str | None,
    limit: int | None,
) -> list[CheckpointRow]:
    """Newest first; the same criteria as langgraph's PostgresSaver.list."""
    wheres: list[str] = []
    params: list[Any] = []
    for clause, value in (
        ("c.thread_id = %s", thread_id),
        ("c.checkpoint_ns = %s", checkpoint_ns),
        ("c.checkpoint_id = %s", checkpoint_id or None),
        ("c.metadata @> %s", Jsonb(filter) if filter else None),
        ("c.checkpoint_id < %s", before_id),
    ):
        if value is not None:
            wheres.append(clause)
            params.append(value)
    sql = _SELECT + (" WHERE " + " AND ".join(wheres) if wheres else "")
    sql += " ORDER BY c.checkpoint_id DESC"
    if limit is not None:
        sql += " LIMIT %s"
        params.append(int(limit))
    return [_row(r) for r in await _fetch(pool, sql, params)]


async def fetch_thread(pool: Connections, thread_id: str) -> list[CheckpointRow]:
    """Every checkpoint of a thread, oldest first within each namespace."""
    return [_row(r) for r in await _fetch(pool, WHOLE_THREAD, (thread_id,))]


async def fetch_latest_per_namespace(pool: Connections, thread_id: str) -> list[CheckpointRow]:
    return [_row(r) for r in await _fetch(pool, LATEST_PER_NAMESPACE, (thread_id,))]


async def threads_of_runs(pool: Connections, run_ids: Sequence[str]) -> list[str]:
    rows = await _fetch(pool, THREADS_OF_RUNS, (list(run_ids),))
    return [r[0] for r in rows]
