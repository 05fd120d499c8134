"""Read models. Each module maps an event to SQL statements, pure functions of
the event alone, so that any projection rebuilt from the log equals the live one."""
from __future__ import annotations

from typing import Any, Callable

from ..domain.events import DomainEvent
from . import assistants, checkpoints, crons, runs, store, thread_ttl, threads

Statement = tuple[str, tuple[Any, ...]]

# Order matters: run rows change before the thread status is recomputed from them.
_MODULES = (assistants, runs, threads, thread_ttl, checkpoints, store, crons)
TABLES = tuple(t for m in _MODULES for t in m.TABLES)


def statements(event: DomainEvent) -> list[Statement]:
    out: list[Statement] = []
    for module in _MODULES:
        handler: Callable[[Any], list[Statement]] | None = module.HANDLERS.get(type(event))
        if handler is not None:
            out.extend(handler(event))
    return out
