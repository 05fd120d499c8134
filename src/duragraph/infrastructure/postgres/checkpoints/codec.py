"""Translation between LangGraph's checkpoint types, our checkpoint events and
the projection rows. Pure functions: no I/O."""

from __future__ import annotations

import base64
import zlib
from datetime import datetime, timezone
from typing import Any, Iterable, Sequence

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    WRITES_IDX_MAP,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    SerializerProtocol,
    get_serializable_checkpoint_metadata,
    writes_sort_key,
)

from ....domain import events as ev
from ....domain.events import DomainEvent
from .json_values import loads_for_json
from .sql import CheckpointRow, StoredWrite


def now() -> datetime:
    return datetime.now(timezone.utc)


def stream_of(thread_id: str) -> str:
    return f"checkpoints-{thread_id}"


def config_for(thread_id: str, checkpoint_ns: str, checkpoint_id: str) -> RunnableConfig:
    return {
        "configurable": {
            "thread_id": thread_id,
            "checkpoint_ns": checkpoint_ns,
            "checkpoint_id": checkpoint_id,
        }
    }


def address(config: RunnableConfig) -> tuple[str, str, str | None]:
    """(thread_id, checkpoint_ns, checkpoint_id) of a config; ns defaults to ''."""
    conf = config["configurable"]
    return str(conf["thread_id"]), conf.get("checkpoint_ns", ""), conf.get("checkpoint_id")


def _b64(blob: bytes) -> str:
    return base64.b64encode(blob).decode("ascii")


# Serialized values, checkpoints and writes larger than this are compressed
# here (zlib, level 1; their type gains "+zlib", so rows stored before load as
# they are). On a long chat's messages that leaves a third fewer bytes than
# PostgreSQL's TOAST compression (measured: 12.4 kB against 18.8 kB for 400
# messages), for about 0.6 ms; and PostgreSQL compresses nothing in a row
# under 2 kB, where a checkpoint (its channel versions) and a message written
# by a node stand. Kept compressed only when that is smaller.
COMPRESS_ABOVE = 256
_ZLIB = "+zlib"


def packed(type_: str, blob: bytes) -> tuple[str, bytes]:
    if len(blob) <= COMPRESS_ABOVE:
        return type_, blob
    small = zlib.compress(blob, 1)
    return (type_ + _ZLIB, small) if len(small) < len(blob) else (type_, blob)


def unpacked(type_: str, blob: bytes) -> tuple[str, bytes]:
    if type_.endswith(_ZLIB):
        return type_.removesuffix(_ZLIB), zlib.decompress(blob)
    return type_, blob


def _inline(value: Any) -> bool:
    """Values kept inside the checkpoint, as LangGraph's PostgresSaver keeps them."""
    return value is None or isinstance(value, (str, int, float, bool))


def split_values(
    serde: SerializerProtocol, checkpoint: Checkpoint, new_versions: ChannelVersions
) -> tuple[Checkpoint, dict[str, str], tuple[ev.ChannelBlob, ...]]:
    """The checkpoint without its non-inline channel values, {channel: version}
    of those values, and the blobs of the ones whose version is new."""
    values = checkpoint["channel_values"]
    versions = checkpoint["channel_versions"]
    apart = [k for k, v in values.items() if not _inline(v) and k in versions]
    bare: Checkpoint = {
        **checkpoint,
        "channel_values": {k: v for k, v in values.items() if k not in apart},
    }
    blob_versions = {k: str(versions[k]) for k in apart}
    blobs = tuple(
        ev.ChannelBlob(k, blob_versions[k], *packed(*serde.dumps_typed(values[k])))
        for k in apart
        if k in new_versions
    )
    return bare, blob_versions, blobs


def saved_event(
    serde: SerializerProtocol,
    config: RunnableConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
    new_versions: ChannelVersions,
    *,
    run_id: str | None,
) -> ev.CheckpointSaved:
    thread_id, ns, parent_id = address(config)
    bare, blob_versions, blobs = split_values(serde, checkpoint, new_versions)
    type_, blob = packed(*serde.dumps_typed(bare))
    meta = dict(get_serializable_checkpoint_metadata(config, metadata))
    if run_id is not None:
        meta.setdefault("run_id", run_id)
    owner = meta.get("run_id") if run_id is None else run_id
    return ev.CheckpointSaved(
        at=now(),
        thread_id=thread_id,
        checkpoint_ns=ns,
        checkpoint_id=checkpoint["id"],
        parent_checkpoint_id=parent_id,
        checkpoint={"type": type_, "blob": _b64(blob)},
        metadata=meta,
        run_id=None if owner is None else str(owner),
        blob_versions=blob_versions,
        blobs=blobs,
    )


def writes_event(
    serde: SerializerProtocol,
    config: RunnableConfig,
    writes: Sequence[tuple[str, Any]],
    task_id: str,
    task_path: str,
) -> ev.WritesSaved:
    """Special channels (errors, interrupts...) get LangGraph's fixed negative
    indexes, so a re-sent special write replaces the old one."""
    thread_id, ns, checkpoint_id = address(config)
    encoded = []
    for idx, (channel, value) in enumerate(writes):
        type_, blob = packed(*serde.dumps_typed(value))
        encoded.append([WRITES_IDX_MAP.get(channel, idx), channel, type_, _b64(blob)])
    return ev.WritesSaved(
        at=now(),
        thread_id=thread_id,
        checkpoint_ns=ns,
        checkpoint_id=str(checkpoint_id),
        task_id=task_id,
        task_path=task_path,
        writes=encoded,
    )


def stored_writes(event: ev.WritesSaved) -> list[StoredWrite]:
    return [
        StoredWrite(event.task_id, idx, channel, type_, base64.b64decode(blob), event.task_path)
        for idx, channel, type_, blob in event.writes
    ]


def merge_writes(stored: Iterable[StoredWrite], later: Iterable[StoredWrite]) -> list[StoredWrite]:
    """The projection's rule applied in memory: an ordinary write keeps its
    first value, a special (negative index) write is replaced; sorted in
    LangGraph's `writes_sort_key` order."""
    merged = {(w.task_id, w.idx): w for w in stored}
    for w in later:
        if w.idx < 0 or (w.task_id, w.idx) not in merged:
            merged[(w.task_id, w.idx)] = w
    return sorted(merged.values(), key=lambda w: writes_sort_key(w.task_path, w.task_id, w.idx))


def checkpoint_of(
    serde: SerializerProtocol, row: CheckpointRow, *, for_json: bool = False
) -> Checkpoint:
    """The stored checkpoint with its channel values put back (`for_json`:
    see json_values)."""
    checkpoint = serde.loads_typed(unpacked(row.type, row.checkpoint))
    if row.blobs:
        checkpoint["channel_values"] = {
            **checkpoint["channel_values"],
            **{b.channel: _loads(serde, b, for_json) for b in row.blobs},
        }
    return checkpoint


def _loads(serde: SerializerProtocol, blob: ev.ChannelBlob, for_json: bool) -> Any:
    type_, data = unpacked(blob.type, blob.blob)
    return loads_for_json(serde, type_, data) if for_json else serde.loads_typed((type_, data))


def to_tuple(
    serde: SerializerProtocol,
    row: CheckpointRow,
    writes: Sequence[StoredWrite] | None = None,
    *,
    for_json: bool = False,
) -> CheckpointTuple:
    chosen = merge_writes(row.writes, ()) if writes is None else writes
    parent = (
        config_for(row.thread_id, row.checkpoint_ns, row.parent_checkpoint_id)
        if row.parent_checkpoint_id
        else None
    )
    return CheckpointTuple(
        config=config_for(row.thread_id, row.checkpoint_ns, row.checkpoint_id),
        checkpoint=checkpoint_of(serde, row, for_json=for_json),
        metadata=row.metadata,
        parent_config=parent,
        pending_writes=[
            (w.task_id, w.channel, serde.loads_typed(unpacked(w.type, w.blob))) for w in chosen
        ],
    )


def copy_events(
    row: CheckpointRow, thread_id: str, brought: set[tuple[str, str, str]] | None = None
) -> list[DomainEvent]:
    """Events that re-create a stored checkpoint and its writes on `thread_id`,
    reusing the stored bytes (nothing is deserialized). The checkpoint brings
    its blobs, except those already in `brought` ((ns, channel, version)
    keys, updated here) when copying several checkpoints at once."""
    at = now()
    seen = set() if brought is None else brought
    blobs = tuple(b for b in row.blobs if (row.checkpoint_ns, b.channel, b.version) not in seen)
    seen.update((row.checkpoint_ns, b.channel, b.version) for b in row.blobs)
    out: list[DomainEvent] = [
        ev.CheckpointSaved(
            at=at,
            thread_id=thread_id,
            checkpoint_ns=row.checkpoint_ns,
            checkpoint_id=row.checkpoint_id,
            parent_checkpoint_id=row.parent_checkpoint_id,
            checkpoint={"type": row.type, "blob": _b64(row.checkpoint)},
            metadata=row.metadata,
            run_id=row.run_id,
            blob_versions=row.blob_versions,
            blobs=blobs,
        )
    ]
    by_task: dict[tuple[str, str], list[list[Any]]] = {}
    for w in row.writes:
        by_task.setdefault((w.task_id, w.task_path), []).append(
            [w.idx, w.channel, w.type, _b64(w.blob)]
        )
    for (task_id, task_path), writes in by_task.items():
        out.append(
            ev.WritesSaved(
                at=at,
                thread_id=thread_id,
                checkpoint_ns=row.checkpoint_ns,
                checkpoint_id=row.checkpoint_id,
                task_id=task_id,
                task_path=task_path,
                writes=writes,
            )
        )
    return out
