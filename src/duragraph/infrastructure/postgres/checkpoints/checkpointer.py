"""A LangGraph checkpointer whose writes are events.

`aput`, `aput_writes`, deletes, copies and prunes append `checkpoint.*` events
to the stream `checkpoints-{thread_id}`; the checkpoint projections are
updated in the same transaction, and every read comes from them. The stream
can therefore be replayed into identical tables.

`for_run` gives the executor a fenced, run-bound view (see run_checkpointer).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import ChannelVersions, Checkpoint, CheckpointMetadata

from ....application.ports import StreamAppend
from ....domain import events as ev
from ....domain.events import DomainEvent
from . import codec, sql
from .run_checkpointer import RunCheckpointer
from .saver import EventSourcedSaver

PRUNE_STRATEGIES = ("keep_latest", "delete")


class EventStoreCheckpointer(EventSourcedSaver):
    def for_run(
        self,
        run_id: str,
        epoch: int,
        thread_id: str,
        *,
        durability: str = "sync",
        blank: bool = False,
    ) -> RunCheckpointer:
        """`blank`: the thread has no checkpoint yet (Thread.starts_blank), so
        the run's first read needs no query."""
        return RunCheckpointer(
            self.store,
            run_id=run_id,
            epoch=epoch,
            thread_id=thread_id,
            serde=self.serde,
            deferred=durability in ("async", "exit"),
            blank=blank,
        )

    def for_json_reads(self) -> EventStoreCheckpointer:
        """A reader for answers that end as JSON (thread state, history), whose
        messages are not rebuilt as objects only to be dumped again: a cost
        that grows with the thread (see json_values)."""
        return EventStoreCheckpointer(self.store, serde=self.serde, for_json=True)

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        saved = self._saved(config, checkpoint, metadata, new_versions)
        await self._append(saved.thread_id, [saved])
        return codec.config_for(saved.thread_id, saved.checkpoint_ns, saved.checkpoint_id)

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        event = codec.writes_event(self.serde, config, writes, task_id, task_path)
        await self._append(event.thread_id, [event])

    async def adelete_thread(self, thread_id: str) -> None:
        await self._append(thread_id, [_deleted(thread_id)])

    async def adelete_for_runs(self, run_ids: Sequence[str]) -> None:
        """One event per thread the runs wrote checkpoints to, in one transaction."""
        if not run_ids:
            return
        threads = await sql.threads_of_runs(self.store.pool, run_ids)
        await self._commit(
            [
                StreamAppend(codec.stream_of(t), None, [_deleted(t, run_ids=list(run_ids))])
                for t in threads
            ]
        )

    async def acopy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        await self._commit([await self.copy_batch(source_thread_id, target_thread_id)])

    async def copy_batch(self, source_thread_id: str, target_thread_id: str) -> StreamAppend:
        """The events that copy a thread's checkpoints, for the caller to commit."""
        rows = await sql.fetch_thread(self.store.pool, source_thread_id)
        brought: set[tuple[str, str, str]] = set()
        events = [e for row in rows for e in codec.copy_events(row, target_thread_id, brought)]
        return StreamAppend(codec.stream_of(target_thread_id), None, events)

    async def prune_batch(self, thread_id: str, strategy: str) -> StreamAppend:
        """The events that prune a thread's checkpoints, for the caller to commit."""
        if strategy not in PRUNE_STRATEGIES:
            raise ValueError(f"prune strategy must be one of {', '.join(PRUNE_STRATEGIES)}")
        return StreamAppend(
            codec.stream_of(thread_id), None, await self._pruned(thread_id, strategy)
        )

    def retention_batch(
        self, thread_id: str, checkpoints: Sequence[tuple[str, str]]
    ) -> StreamAppend:
        """The event that drops these (namespace, id) checkpoints of a live thread."""
        pruned = ev.CheckpointsPruned(
            at=codec.now(), thread_id=thread_id, checkpoints=[list(c) for c in checkpoints]
        )
        return StreamAppend(codec.stream_of(thread_id), None, [pruned])

    async def aprune(self, thread_ids: Sequence[str], *, strategy: str = "keep_latest") -> None:
        """`delete` drops the threads' checkpoints; `keep_latest` drops them and
        re-saves the newest checkpoint of each namespace (with its writes), all
        in one transaction, so the log alone explains the surviving rows."""
        await self._commit([await self.prune_batch(t, strategy) for t in thread_ids])

    async def _pruned(self, thread_id: str, strategy: str) -> list[DomainEvent]:
        kept = (
            await sql.fetch_latest_per_namespace(self.store.pool, thread_id)
            if strategy == "keep_latest"
            else []
        )
        resaved = [e for row in kept for e in codec.copy_events(row, thread_id)]
        return [_deleted(thread_id), *resaved]

    async def _append(self, thread_id: str, events: Sequence[DomainEvent]) -> None:
        await self._commit([StreamAppend(codec.stream_of(thread_id), None, list(events))])


def _deleted(thread_id: str, run_ids: list[str] | None = None) -> ev.CheckpointsDeleted:
    return ev.CheckpointsDeleted(at=codec.now(), thread_id=thread_id, run_ids=run_ids)
