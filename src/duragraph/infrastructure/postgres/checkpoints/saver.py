"""What both event-sourced checkpointers share: reads from the checkpoint
projections, LangGraph's channel versioning, and appending with retries.

The server is async throughout, so the sync half of LangGraph's interface is
refused loudly instead of being emulated with a second code path."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any, NoReturn

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    BaseCheckpointSaver,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    ChannelVersions,
    SerializerProtocol,
    get_checkpoint_id,
)

from ....application.commands.retry import retry_on_conflict
from ....application.ports import Fence, StreamAppend
from ....domain import events as ev
from ..event_store import PostgresEventStore
from . import codec, sql
from .sql import CheckpointRow, StoredWrite

# Checkpoint streams take "append after whatever is there"; a conflict only
# means another writer (a delete, a copy) took the same version first.
APPEND_ATTEMPTS = 5


class EventSourcedSaver(BaseCheckpointSaver[str]):
    def __init__(
        self,
        store: PostgresEventStore,
        *,
        serde: SerializerProtocol | None = None,
        for_json: bool = False,
    ) -> None:
        """`for_json`: reads for answers that end as JSON (see json_values)."""
        super().__init__(serde=serde)
        self.store = store
        self.for_json = for_json
        # (thread, ns, id) of checkpoints read that hold their values inline
        # (saved before blobs existed); shared by LangGraph's shallow copies.
        self.inline_read: set[tuple[str, str, str]] = set()

    # -- reads (projections) -------------------------------------------------
    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        thread_id, ns, checkpoint_id = codec.address(config)
        row = await sql.fetch_one(self.store.pool, thread_id, ns, checkpoint_id)
        found = self._tuple(row) if row else None
        self._loaded(ns, found)
        return found

    async def alist(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[CheckpointTuple]:
        conf = config["configurable"] if config else {}
        rows = await sql.fetch_many(
            self.store.pool,
            thread_id=conf.get("thread_id"),
            checkpoint_ns=conf.get("checkpoint_ns"),
            checkpoint_id=conf.get("checkpoint_id"),
            filter=filter,
            before_id=get_checkpoint_id(before) if before else None,
            limit=limit,
        )
        for row in rows:
            yield self._tuple(row)

    def _tuple(self, row: CheckpointRow) -> CheckpointTuple:
        if row.blob_versions is None:
            self.inline_read.add((row.thread_id, row.checkpoint_ns, row.checkpoint_id))
        writes = codec.merge_writes(row.writes, self._unsaved(row))
        return codec.to_tuple(self.serde, row, writes, for_json=self.for_json)

    def _unsaved(self, row: CheckpointRow) -> Sequence[StoredWrite]:
        """Writes accepted but not yet committed for this checkpoint."""
        return ()

    def _loaded(self, checkpoint_ns: str, found: CheckpointTuple | None) -> None:
        """Called with every checkpoint read through aget_tuple."""

    # -- writes ----------------------------------------------------------------
    def _saved(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
        run_id: str | None = None,
    ) -> ev.CheckpointSaved:
        """The event saving `checkpoint`. Its blobs are those of the channels
        whose version is new, unless its parent holds its values inline: then
        no blob exists yet for the unchanged ones, and all are stored."""
        if codec.address(config) in self.inline_read:
            new_versions = checkpoint["channel_versions"]
        return codec.saved_event(
            self.serde, config, checkpoint, metadata, new_versions, run_id=run_id
        )

    # -- versions --------------------------------------------------------------
    def get_next_version(self, current: str | None, channel: None = None) -> str:
        """As InMemorySaver and PostgresSaver: a zero-padded counter plus a
        random fraction, so versions sort as strings and never collide."""
        if current is None:
            current_v = 0
        elif isinstance(current, int):
            current_v = current
        else:
            current_v = int(current.split(".")[0])
        return f"{current_v + 1:032}.{random.random():016}"

    # -- writes ----------------------------------------------------------------
    async def _commit(self, batches: Sequence[StreamAppend], fence: Fence | None = None) -> None:
        await retry_on_conflict(lambda: self.store.append(batches, fence=fence), APPEND_ATTEMPTS)

    # -- the sync interface ----------------------------------------------------
    def _async_only(self, name: str) -> NoReturn:
        raise NotImplementedError(
            f"{type(self).__name__} is async-only: call a{name}() instead of {name}()"
        )

    def get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        self._async_only("get_tuple")

    def list(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> Iterator[CheckpointTuple]:
        self._async_only("list")

    def put(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        self._async_only("put")

    def put_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        self._async_only("put_writes")

    def delete_thread(self, thread_id: str) -> None:
        self._async_only("delete_thread")
