from __future__ import annotations

from typing import Any, Callable, ClassVar

from .events import DomainEvent
from .limits import check_id


# An event's state change: a method of the aggregate, taking the event.
Handlers = dict[type[DomainEvent], Callable[[Any, Any], None]]


class Aggregate:
    """Event-sourced state: `version` is the optimistic concurrency token."""

    stream_prefix: ClassVar[str]
    kind: ClassVar[str]
    # Each aggregate's explicit table: the state change of every event its
    # stream holds, and the events it keeps no state from. An event in
    # neither is a defect (tests/unit/test_aggregate_handlers.py), refused
    # when applied rather than skipped.
    handlers: ClassVar[Handlers]
    ignored: ClassVar[tuple[type[DomainEvent], ...]] = ()

    def __init__(self, ident: str) -> None:
        check_id(self.kind, ident)  # longer could not be indexed; it cannot exist either
        self.id = ident
        self.version = 0
        self.pending: list[DomainEvent] = []
        self.deleted = False

    @classmethod
    def stream_id(cls, ident: str) -> str:
        return f"{cls.stream_prefix}-{ident}"

    def apply(self, event: DomainEvent) -> None:
        handler = self.handlers.get(type(event))
        if handler is not None:
            handler(self, event)
        elif type(event) not in self.ignored:
            raise TypeError(f"{type(self).__name__} has no handler for '{event.name}'")
        self.version += 1

    def _record(self, event: DomainEvent) -> None:
        self.apply(event)
        self.pending.append(event)

    @property
    def exists(self) -> bool:
        return self.version > 0

    @property
    def live(self) -> bool:
        """Created and not deleted since."""
        return self.exists and not self.deleted
