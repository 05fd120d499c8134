from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Mapping

from .aggregate import Aggregate, Handlers
from .errors import NotFound
from .events import AssistantCreated, AssistantDeleted, AssistantUpdated, AssistantVersionRestored


def config_over(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """A config over an assistant's: its keys win, `configurable` merges key by key."""
    return {
        **base,
        **over,
        "configurable": {**(base.get("configurable") or {}), **(over.get("configurable") or {})},
    }


class Assistant(Aggregate):
    stream_prefix = "assistant"
    kind = "assistant"

    def __init__(self, ident: str) -> None:
        super().__init__(ident)
        self.latest_version = 0  # the highest version number ever made
        self.current: dict[str, Any] = {}
        self.versions: dict[int, dict[str, Any]] = {}

    def create(
        self,
        *,
        graph_id: str,
        name: str,
        description: str | None,
        config: Any,
        context: Any,
        metadata: Any,
        now: datetime,
    ) -> None:
        self._record(
            AssistantCreated(
                at=now,
                assistant_id=self.id,
                graph_id=graph_id,
                assistant_name=name,
                description=description,
                config=config,
                context=context,
                metadata=metadata,
            )
        )

    def update(
        self,
        *,
        graph_id: str | None,
        name: str | None,
        description: str | None,
        config: Any,
        context: Any,
        metadata: Any,
        now: datetime,
    ) -> None:
        self._require_live()
        cur = self.current
        self._record(
            AssistantUpdated(
                at=now,
                assistant_id=self.id,
                version=self.latest_version + 1,
                graph_id=graph_id or cur["graph_id"],
                assistant_name=name if name is not None else cur["assistant_name"],
                description=description if description is not None else cur["description"],
                config=config if config is not None else cur["config"],
                context=context if context is not None else cur["context"],
                metadata={**cur["metadata"], **(metadata or {})},
            )
        )

    def restore_version(self, version: int, *, now: datetime) -> None:
        self._require_live()
        if version not in self.versions:
            raise NotFound("assistant version", f"{self.id} v{version}")
        self._record(
            AssistantVersionRestored(
                at=now, assistant_id=self.id, version=version, **self.versions[version]
            )
        )

    def delete(self, *, now: datetime) -> None:
        self._require_live()
        self._record(AssistantDeleted(at=now, assistant_id=self.id))

    def _require_live(self) -> None:
        if not self.live:
            raise NotFound("assistant", self.id)

    def _on_assistant_created(self, e: AssistantCreated) -> None:
        self.deleted = False
        self.latest_version = 1
        self.current = _version_fields(e)
        self.versions = {1: self.current}

    def _on_assistant_updated(self, e: AssistantUpdated) -> None:
        self.latest_version = e.version
        self.current = _version_fields(e)
        self.versions[e.version] = self.current

    def _on_assistant_version_restored(self, e: AssistantVersionRestored) -> None:
        self.current = _version_fields(e)

    def _on_assistant_deleted(self, e: AssistantDeleted) -> None:
        self.deleted = True

    handlers: ClassVar[Handlers] = {
        AssistantCreated: _on_assistant_created,
        AssistantUpdated: _on_assistant_updated,
        AssistantVersionRestored: _on_assistant_version_restored,
        AssistantDeleted: _on_assistant_deleted,
    }


def _version_fields(
    e: AssistantCreated | AssistantUpdated | AssistantVersionRestored,
) -> dict[str, Any]:
    return {
        "graph_id": e.graph_id,
        "assistant_name": e.assistant_name,
        "description": e.description,
        "config": e.config,
        "context": e.context,
        "metadata": e.metadata,
    }
