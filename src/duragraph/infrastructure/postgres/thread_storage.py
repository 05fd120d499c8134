"""`GET /threads/{id}/storage`: the bytes a thread's checkpoints occupy.

The figures split them the way they are stored (and the way LangGraph's
built-in checkpointer stores them): the checkpoint without its values (plus
its metadata), one blob per (channel, version) however many checkpoints share
it, and the pending writes. The three add up to the total. (Checkpoints saved
before blobs existed hold their values inline; they are counted the same way.)"""

from __future__ import annotations

from typing import Any

import orjson

from .checkpoints import codec, sql
from .checkpoints.saver import EventSourcedSaver


def _values_bytes(serde: Any, checkpoint: Any, seen: dict[tuple[str, Any], int]) -> None:
    versions = checkpoint.get("channel_versions", {})
    for channel, value in checkpoint.get("channel_values", {}).items():
        key = (channel, versions.get(channel))
        if key not in seen:
            seen[key] = len(serde.dumps_typed(value)[1])


def _by_channel(seen: dict[tuple[str, Any], int]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for (channel, _), size in seen.items():
        entry = out.setdefault(channel, {"versions": 0, "bytes": 0})
        entry["versions"] += 1
        entry["bytes"] += size
    return out


async def thread_storage(saver: EventSourcedSaver, thread_id: str) -> dict[str, Any]:
    rows = await sql.fetch_thread(saver.store.pool, thread_id)
    serde = saver.serde
    checkpoint_bytes, writes, writes_bytes = 0, 0, 0
    seen: dict[tuple[str, Any], int] = {}
    for row in rows:
        checkpoint = codec.checkpoint_of(serde, row)
        _values_bytes(serde, checkpoint, seen)
        bare = serde.dumps_typed({**checkpoint, "channel_values": {}})[1]
        checkpoint_bytes += len(bare) + len(orjson.dumps(row.metadata))
        writes += len(row.writes)
        writes_bytes += sum(len(w.blob) for w in row.writes)
    values_bytes = sum(seen.values())
    return {
        "thread_id": thread_id,
        "total_bytes": checkpoint_bytes + values_bytes + writes_bytes,
        "checkpoints": {"count": len(rows), "bytes": checkpoint_bytes},
        "channel_values": {
            "count": len(seen),
            "bytes": values_bytes,
            "by_channel": _by_channel(seen),
        },
        "pending_writes": {"count": writes, "bytes": writes_bytes},
    }
