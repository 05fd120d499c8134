"""Request bodies, as the LangGraph Platform spec defines them. Unknown fields
are ignored (newer SDKs send more); wrong types are a 422 naming the field."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .bounds import Depth, Id, Limit, Minutes, Moment, Offset, Seconds

Json = dict[str, Any]


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class AssistantCreate(Body):
    graph_id: str
    assistant_id: Id | None = None
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


def absent() -> Any:
    """The default (None) of a filter that may be left out but not sent as
    null, a 422 naming it, as the official schema has it: pydantic validates
    what is sent, never the default."""
    return Field(default=None)


class AssistantSearch(Body):
    metadata: Json = absent()
    graph_id: str = absent()
    name: str = absent()
    limit: Limit = 10
    offset: Offset = 0
    sort_by: str = absent()
    sort_order: Literal["asc", "desc"] = absent()
    select: list[str] = absent()


class AssistantCount(Body):
    metadata: Json = absent()
    graph_id: str = absent()
    name: str = absent()


class ThreadTtl(Body):
    strategy: Literal["delete", "keep_latest"] = "delete"
    ttl: Minutes = Field(description="minutes from now until the thread is swept")


class SuperstepUpdate(Body):
    values: Json | list[Any] | None = None
    command: "Command | None" = None
    as_node: str


class Superstep(Body):
    updates: list[SuperstepUpdate] = Field(min_length=1)


class AssistantVersionChange(Body):
    version: int | None = None


class AssistantVersionsSearch(Body):
    metadata: Json = absent()
    limit: Limit = 10
    offset: Offset = 0


class ThreadCreate(Body):
    thread_id: Id | None = None
    metadata: Json = Field(default_factory=dict)
    if_exists: Literal["raise", "do_nothing"] = "raise"
    ttl: ThreadTtl | None = None
    supersteps: list[Superstep] | None = None

    def superstep_updates(self) -> list[list[Json]]:
        return [
            [u.model_dump(exclude_none=True) for u in step.updates]
            for step in self.supersteps or []
        ]


class ThreadPatch(Body):
    metadata: Json = Field(default_factory=dict)
    ttl: ThreadTtl | None = None


class ThreadPrune(Body):
    thread_ids: list[str]
    strategy: Literal["delete", "keep_latest"] = "delete"


class ThreadStateUpdate(Body):
    values: Json | list[Any] | None = None
    as_node: str | None = None
    checkpoint: Json | None = None
    checkpoint_id: str | None = None  # deprecated by the SDK, still sent

    def target(self) -> Json | None:
        if self.checkpoint:
            return self.checkpoint
        return {"checkpoint_id": self.checkpoint_id} if self.checkpoint_id else None


class ThreadStateAt(Body):
    checkpoint: Json
    subgraphs: bool = False


class ThreadSearch(Body):
    metadata: Json | None = None
    values: Json | None = None
    status: Literal["idle", "busy", "interrupted", "error"] | None = None
    ids: list[str] | None = None
    limit: Limit = 10
    offset: Offset = 0
    sort_by: str | None = None
    sort_order: Literal["asc", "desc"] | None = None
    select: list[str] | None = None


class ThreadCount(Body):
    metadata: Json | None = None
    values: Json | None = None
    status: Literal["idle", "busy", "interrupted", "error"] | None = None


class HistoryQuery(Body):
    limit: Limit = 10
    before: Json | str | None = None
    metadata: Json | None = None
    checkpoint: Json | None = None


class Command(Body):
    update: Any = None
    resume: Any = None
    goto: Any = None


StreamMode = Literal[
    "values",
    "updates",
    "messages",
    "messages-tuple",
    "custom",
    "events",
    "debug",
    "tasks",
    "checkpoints",
]


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
    after_seconds: Seconds | None = None
    durability: Literal["sync", "async", "exit"] | None = None
    feedback_keys: list[str] | None = None


class StorePut(Body):
    namespace: list[str]
    key: str
    value: Json
    index: Literal[False] | list[str] | None = None
    ttl: Minutes | None = None


class StoreDelete(Body):
    namespace: list[str] = Field(default_factory=list)
    key: str


class StoreSearch(Body):
    namespace_prefix: list[str] | None = None
    filter: Json | None = None
    limit: Limit = 10
    offset: Offset = 0
    query: str | None = None
    refresh_ttl: bool | None = None


class StoreNamespaces(Body):
    prefix: list[str] | None = None
    suffix: list[str] | None = None
    max_depth: Depth | None = None
    limit: Limit = 100
    offset: Offset = 0


# -- crons ------------------------------------------------------------------


def _utc(value: datetime | None) -> datetime | None:
    """A naive end_time is read as UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


class CronRun(Body):
    """The run each tick creates."""

    input: Any = None
    config: Json | None = None
    context: Json | None = None
    webhook: str | None = None
    interrupt_before: Literal["*"] | list[str] | None = None
    interrupt_after: Literal["*"] | list[str] | None = None
    stream_mode: StreamMode | list[StreamMode] | None = None
    stream_subgraphs: bool | None = None
    stream_resumable: bool | None = None
    durability: Literal["sync", "async", "exit"] | None = None

    def run_payload(self) -> Json:
        return self.model_dump(include=set(CronRun.model_fields), exclude_none=True)


class CronCreate(CronRun):
    assistant_id: str
    schedule: str
    timezone: str | None = None
    end_time: Moment | None = None
    enabled: bool = True
    metadata: Json = Field(default_factory=dict)
    on_run_completed: Literal["delete", "keep"] = "delete"
    multitask_strategy: Literal["reject", "enqueue", "interrupt", "rollback"] = "enqueue"

    _end_utc = field_validator("end_time")(_utc)

    def run_payload(self) -> Json:
        return {**super().run_payload(), "multitask_strategy": self.multitask_strategy}


class CronPatch(CronRun):
    schedule: str | None = None
    timezone: str | None = None
    end_time: Moment | None = None
    enabled: bool | None = None
    metadata: Json | None = None
    on_run_completed: Literal["delete", "keep"] | None = None

    _end_utc = field_validator("end_time")(_utc)

    def changes(self) -> Json:
        """Only what the client sent; an explicit `end_time: null` clears it."""
        out = {
            k: getattr(self, k)
            for k in ("schedule", "timezone", "enabled", "metadata", "on_run_completed")
            if getattr(self, k) is not None
        }
        if "end_time" in self.model_fields_set:
            out["end_time"] = self.end_time
        if payload := self.run_payload():
            out["payload"] = payload
        return out


CronSortBy = Literal[
    "cron_id", "assistant_id", "thread_id", "next_run_date", "end_time", "created_at", "updated_at"
]


class CronSearch(Body):
    assistant_id: str | None = None
    thread_id: str | None = None
    enabled: bool | None = None
    metadata: Json | None = None
    limit: Limit = 10
    offset: Offset = 0
    sort_by: CronSortBy | None = None
    sort_order: Literal["asc", "desc"] | None = None
    select: list[str] | None = None


class CronCount(Body):
    assistant_id: str | None = None
    thread_id: str | None = None
    metadata: Json | None = None


class RunsCancel(Body):
    """Either `status` (optionally on one thread), or a thread's `run_ids`."""

    status: Literal["pending", "running", "all"] | None = None
    thread_id: str | None = None
    run_ids: list[str] | None = None

    @model_validator(mode="after")
    def _one_selection(self) -> "RunsCancel":
        if self.status is None and not (self.thread_id and self.run_ids):
            raise ValueError("give either `status`, or `thread_id` with `run_ids`")
        if self.status is not None and self.run_ids:
            raise ValueError("give either `status` or `run_ids`, not both")
        return self


ThreadCreate.model_rebuild()
