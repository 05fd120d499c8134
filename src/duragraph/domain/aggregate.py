from __future__ import annotations

from typing import ClassVar

from .events import DomainEvent
from .limits import check_id


class Aggregate:
    """Event-sourced state: `version` is the optimistic concurrency token."""

    stream_prefix: ClassVar[str]
    kind: ClassVar[str]

    def __init__(self, ident: str) -> None:
        check_id(self.kind, ident)  # longer could not be indexed; it cannot exist either
        self.id = ident
        self.version = 0
        self.pending: list[DomainEvent] = []

    @classmethod
    def stream_id(cls, ident: str) -> str:
        return f"{cls.stream_prefix}-{ident}"

    def apply(self, event: DomainEvent) -> None:
        handler = getattr(self, "_on_" + event.name.replace(".", "_"), None)
        if handler is not None:
            handler(event)
        self.version += 1

    def _record(self, event: DomainEvent) -> None:
        self.apply(event)
        self.pending.append(event)

    @property
    def exists(self) -> bool:
        return self.version > 0
