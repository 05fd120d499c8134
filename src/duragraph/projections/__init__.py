"""Read models. Each module maps an event to SQL statements, pure functions of
the event alone, so that any projection rebuilt from the log equals the live one.
(`batch_statements` writes a few events committed together in fewer
statements, leaving the same rows.)"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from ..application.ports import Statement
from ..domain import events as ev
from ..domain.events import DomainEvent
from . import assistants, checkpoints, crons, memory_store, runs, thread_ttl, threads

# Order matters: run rows change before the thread status is recomputed from them.
_MODULES = (assistants, runs, threads, thread_ttl, checkpoints, memory_store, crons)
TABLES = tuple(t for m in _MODULES for t in m.TABLES)


def statements(event: DomainEvent) -> list[Statement]:
    out: list[Statement] = []
    for module in _MODULES:
        handler: Callable[[Any], list[Statement]] | None = module.HANDLERS.get(type(event))
        if handler is not None:
            out.extend(handler(event))
    return out


def batch_statements(events: Sequence[DomainEvent]) -> list[Statement]:
    """The statements for events committed together, in order. A run created
    and started at once (claimed at its creation) is written once, as the
    two events one after the other would leave it."""
    out: list[Statement] = []
    i = 0
    while i < len(events):
        pair = created_started(events[i], events[i + 1] if i + 1 < len(events) else None)
        out.extend(pair if pair is not None else statements(events[i]))
        i += 2 if pair is not None else 1
    return out


def created_started(event: DomainEvent, nxt: DomainEvent | None) -> list[Statement] | None:
    if not (
        isinstance(event, ev.RunCreated)
        and isinstance(nxt, ev.RunStarted)
        and nxt.run_id == event.run_id
    ):
        return None
    return runs.created(event, nxt) + threads.run_created(event, nxt)
