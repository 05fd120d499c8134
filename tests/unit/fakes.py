"""Small hand-written fakes for command handlers' unit tests (the event store's
is duragraph.infrastructure.inprocess.event_store)."""

from datetime import datetime, timedelta, timezone
from typing import Any, Awaitable, Callable, TypeVar

from duragraph.application.commands.assistants import (
    CreateAssistant,
    create_assistant,
    default_assistant_id,
)
from duragraph.application.commands.threads import CreateThread, create_thread
from duragraph.infrastructure.inprocess.event_store import MemoryEventStore

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


class FixedClock:
    def __init__(self, now: datetime = NOW) -> None:
        self.at = now

    def now(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


class Graphs:
    def __init__(self, *graph_ids: str) -> None:
        self.graph_ids = list(graph_ids)

    def has(self, graph_id: str) -> bool:
        return graph_id in self.graph_ids

    def ids(self) -> list[str]:
        return list(self.graph_ids)


def event_names(store: MemoryEventStore, stream_id: str) -> list[str]:
    return [e.type for e in store.log if e.stream_id == stream_id]


class RacingStore(MemoryEventStore):
    """`rival` (another writer's command) runs once, between the handler's
    load and its first save: the handler's save then conflicts."""

    def __init__(self) -> None:
        super().__init__()
        self.rival: Callable[[MemoryEventStore], Awaitable[Any]] | None = None

    async def save(self, *aggregates: Any, **kwargs: Any) -> None:
        rival, self.rival = self.rival, None
        if rival is not None:
            await rival(self)
        await super().save(*aggregates, **kwargs)


S = TypeVar("S", bound=MemoryEventStore)


async def seeded(store: S, graphs: Graphs, **assistant: Any) -> S:
    """`store` holding graph "agent"'s default assistant (with `assistant`'s
    fields) and an empty thread "t1": where most command tests begin."""
    cmd = CreateAssistant(graph_id="agent", assistant_id=default_assistant_id("agent"), **assistant)
    await create_assistant(cmd, store, FixedClock(), graphs)
    await create_thread(CreateThread(thread_id="t1"), store, FixedClock())
    return store
