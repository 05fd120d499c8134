"""A checkpointer that holds its writes back: `update_state` runs LangGraph
against it, then commits the staged `checkpoint.*` events in ONE transaction
with the thread's own event (so no checkpoint exists without it).

Reads see the staged checkpoints first, then the projections."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    SerializerProtocol,
)

from ....application.ports import StreamAppend
from ....domain import events as ev
from ..event_store import PostgresEventStore
from . import codec
from .saver import EventSourcedSaver
from .sql import CheckpointRow


class StagedCheckpointer(EventSourcedSaver):
    def __init__(
        self, store: PostgresEventStore, thread_id: str, *, serde: SerializerProtocol | None = None
    ) -> None:
        super().__init__(store, serde=serde)
        self.thread_id = thread_id
        # Both shared by LangGraph's shallow copies. `whole`: each staged
        # checkpoint serialized with its values, for reads before the commit.
        self.staged: list[ev.DomainEvent] = []
        self.whole: dict[tuple[str, str], tuple[str, bytes]] = {}

    def batch(self) -> StreamAppend:
        return StreamAppend(codec.stream_of(self.thread_id), None, list(self.staged))

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        self._require_own_thread(config)
        saved = self._saved(config, checkpoint, metadata, new_versions)
        self.staged.append(saved)
        self.whole[(saved.checkpoint_ns, saved.checkpoint_id)] = self.serde.dumps_typed(checkpoint)
        return codec.config_for(self.thread_id, saved.checkpoint_ns, saved.checkpoint_id)

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        self._require_own_thread(config)
        self.staged.append(codec.writes_event(self.serde, config, writes, task_id, task_path))

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        thread_id, ns, checkpoint_id = codec.address(config)
        row = self._staged_row(ns, checkpoint_id) if thread_id == self.thread_id else None
        return self._tuple(row) if row else await super().aget_tuple(config)

    def _staged_row(self, ns: str, checkpoint_id: str | None) -> CheckpointRow | None:
        for e in reversed(self.staged):
            if (
                isinstance(e, ev.CheckpointSaved)
                and e.checkpoint_ns == ns
                and checkpoint_id in (None, e.checkpoint_id)
            ):
                writes = [
                    w
                    for s in self.staged
                    if isinstance(s, ev.WritesSaved)
                    and (s.checkpoint_ns, s.checkpoint_id) == (ns, e.checkpoint_id)
                    for w in codec.stored_writes(s)
                ]
                type_, whole = self.whole[(ns, e.checkpoint_id)]
                return CheckpointRow(
                    e.thread_id,
                    ns,
                    e.checkpoint_id,
                    e.parent_checkpoint_id,
                    e.run_id,
                    type_,
                    whole,
                    e.metadata,
                    writes,
                    None,
                    [],
                )
        return None

    def _require_own_thread(self, config: RunnableConfig) -> None:
        if str(config["configurable"]["thread_id"]) != self.thread_id:
            raise ValueError(f"this state update is bound to thread '{self.thread_id}'")
