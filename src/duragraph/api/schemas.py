"""Request bodies, as the LangGraph Platform spec defines them. Unknown fields
are ignored (newer SDKs send more); wrong types are a 422 naming the field."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Json = dict[str, Any]


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class AssistantCreate(Body):
    graph_id: str
    assistant_id: str | None = None
    config: Json = Field(default_factory=dict)
    context: Json = Field(default_factory=dict)
    metadata: Json = Field(default_factory=dict)
    if_exists: Literal["raise", "do_nothing"] = "raise"
    name: str | None = None
    description: str | None = None


class AssistantPatch(Body):
    graph_id: str | None = None
    config: Json | None = None
    context: Json | None = None
    metadata: Json | None = None
    name: str | None = None
    description: str | None = None


class AssistantSearch(Body):
    metadata: Json | None = None
    graph_id: str | None = None
    name: str | None = None
    limit: int = Field(10, ge=0, le=1000)
    offset: int = Field(0, ge=0)
    sort_by: str | None = None
    sort_order: Literal["asc", "desc"] | None = None
    select: list[str] | None = None


class AssistantCount(Body):
    metadata: Json | None = None
    graph_id: str | None = None
    name: str | None = None


class AssistantVersionChange(Body):
    version: int | None = None


class AssistantVersionsSearch(Body):
    metadata: Json | None = None
    limit: int = Field(10, ge=1, le=1000)
    offset: int = Field(0, ge=0)


class ThreadCreate(Body):
    thread_id: str | None = None
    metadata: Json = Field(default_factory=dict)
    if_exists: Literal["raise", "do_nothing"] = "raise"


class ThreadPatch(Body):
    metadata: Json = Field(default_factory=dict)


class ThreadSearch(Body):
    metadata: Json | None = None
    values: Json | None = None
    status: Literal["idle", "busy", "interrupted", "error"] | None = None
    ids: list[str] | None = None
    limit: int = Field(10, ge=0, le=1000)
    offset: int = Field(0, ge=0)
    sort_by: str | None = None
    sort_order: Literal["asc", "desc"] | None = None
    select: list[str] | None = None


class ThreadCount(Body):
    metadata: Json | None = None
    values: Json | None = None
    status: Literal["idle", "busy", "interrupted", "error"] | None = None


class HistoryQuery(Body):
    limit: int = Field(10, ge=1, le=1000)
    before: Json | str | None = None
    metadata: Json | None = None
    checkpoint: Json | None = None


class Command(Body):
    update: Any = None
    resume: Any = None
    goto: Any = None


StreamMode = Literal["values", "updates", "messages", "messages-tuple", "custom", "events",
                     "debug", "tasks", "checkpoints"]


class RunCreate(Body):
    assistant_id: str
    input: Any = None
    command: Command | None = None
    metadata: Json = Field(default_factory=dict)
    config: Json = Field(default_factory=dict)
    context: Json | None = None
    checkpoint_id: str | None = None
    checkpoint: Json | None = None
    interrupt_before: Literal["*"] | list[str] | None = None
    interrupt_after: Literal["*"] | list[str] | None = None
    stream_mode: StreamMode | list[StreamMode] = "values"
    stream_subgraphs: bool = False
    stream_resumable: bool = False
    webhook: str | None = None
    on_disconnect: Literal["cancel", "continue"] = "continue"
    multitask_strategy: Literal["reject", "enqueue", "interrupt", "rollback"] = "enqueue"
    if_not_exists: Literal["reject", "create"] = "reject"
    on_completion: Literal["delete", "keep"] = "delete"
    after_seconds: float | None = Field(None, ge=0)
    durability: Literal["sync", "async", "exit"] | None = None
    feedback_keys: list[str] | None = None

    def run_kwargs(self) -> Json:
        """What the executor needs, stored on the run.created event."""
        kwargs = self.model_dump(exclude={"assistant_id", "metadata", "multitask_strategy",
                                          "if_not_exists"}, exclude_none=True)
        if self.checkpoint and "checkpoint_id" in self.checkpoint:
            kwargs["checkpoint_id"] = self.checkpoint["checkpoint_id"]
        return kwargs
