"""LangGraph's BaseStore over the event-sourced store: what a node reaches with
`get_store()` or a `store` parameter is what the HTTP API serves."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any, Iterable, Sequence

from langgraph.store.base import (
    BaseStore,
    GetOp,
    InvalidNamespaceError,
    Item,
    ListNamespacesOp,
    Op,
    PutOp,
    Result,
    SearchItem,
    SearchOp,
)

from ...application import memory_store_reads as reads
from ...application.commands.memory_store import PutItem, StoreDeps, write_items
from ...application.ports import EventAppender, Fence, StreamAppend
from ...domain.errors import InvalidInput
from .index import EmbeddingMismatch


def _item(row: dict[str, Any]) -> Item:
    return Item(
        namespace=tuple(row["namespace"]),
        key=row["key"],
        value=row["value"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _search_item(row: dict[str, Any]) -> SearchItem:
    return SearchItem(
        namespace=tuple(row["namespace"]),
        key=row["key"],
        value=row["value"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        score=row["score"],
    )


def _conditions(op: ListNamespacesOp) -> dict[str, tuple[str, ...]]:
    found: dict[str, tuple[str, ...]] = {}
    for condition in op.match_conditions or ():
        found[condition.match_type] = tuple(condition.path)
    return found


class EventSourcedStore(BaseStore):
    supports_ttl = True

    def __init__(self, deps: StoreDeps, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.deps = deps
        self.loop = loop or asyncio.get_running_loop()
        self.ttl_config = {
            "default_ttl": deps.ttl.default_ttl,
            "refresh_on_read": deps.ttl.refresh_on_read,
        }
        self.index_config = deps.index.as_config() if deps.index is not None else None

    def for_run(self, fence: Fence) -> EventSourcedStore:
        """The store as one run's nodes see it: its writes carry the run's
        lease fence, like its checkpoints, so an executor whose lease was
        taken over gets `Fenced` and writes nothing."""
        return EventSourcedStore(
            replace(self.deps, events=_Fenced(self.deps.events, fence)), self.loop
        )

    def batch(self, ops: Iterable[Op]) -> list[Result]:
        """For sync nodes, which LangGraph runs in worker threads."""
        if _on_loop(self.loop):
            raise RuntimeError("use the async store methods (aget, aput, ...) in async code")
        return asyncio.run_coroutine_threadsafe(self.abatch(ops), self.loop).result()

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        ops = list(ops)
        results: list[Result] = [None] * len(ops)
        puts = [op for op in ops if isinstance(op, PutOp)]
        try:
            if puts:  # writes first, so reads in the same batch see them
                await write_items(
                    [PutItem(p.namespace, p.key, p.value, p.index, p.ttl) for p in puts], self.deps
                )
            for i, op in enumerate(ops):
                if not isinstance(op, PutOp):
                    results[i] = await self._read(op)
        except EmbeddingMismatch:  # the deployment's embedding, not the node's namespace
            raise
        except InvalidInput as exc:
            raise InvalidNamespaceError(str(exc)) from None
        return results

    async def _read(self, op: Op) -> Result:
        d = self.deps
        if isinstance(op, GetOp):
            row = await reads.get_item(d, op.namespace, op.key, op.refresh_ttl)
            return None if row is None else _item(row)
        if isinstance(op, SearchOp):
            rows = await reads.search_items(
                d,
                op.namespace_prefix,
                filter=op.filter,
                limit=op.limit,
                offset=op.offset,
                query=op.query,
                refresh=op.refresh_ttl,
            )
            return [_search_item(r) for r in rows]
        if isinstance(op, ListNamespacesOp):
            match = _conditions(op)
            found = await reads.list_namespaces(
                d,
                prefix=match.get("prefix", ()),
                suffix=match.get("suffix", ()),
                max_depth=op.max_depth,
                limit=op.limit,
                offset=op.offset,
            )
            return [tuple(ns) for ns in found]
        raise ValueError(f"unknown store operation: {type(op).__name__}")


class _Fenced:
    """An appender whose every append carries one run's fence."""

    def __init__(self, events: EventAppender, fence: Fence) -> None:
        self.events, self.fence = events, fence

    async def append(self, batches: Sequence[StreamAppend], *, fence: Fence | None = None) -> None:
        await self.events.append(batches, fence=self.fence)


def _on_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False
