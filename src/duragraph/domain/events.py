"""Domain events: frozen facts with stable stored names.

Stored names never change; a changed shape gets a new upcaster in `upcast`.
Values inside events are plain JSON-able data (dicts, lists, str, numbers).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from .run_spec import RunSpec

Json = Any


@dataclass(frozen=True, slots=True, kw_only=True)
class DomainEvent:
    name: ClassVar[str] = ""
    at: datetime

    def to_data(self) -> dict[str, Json]:
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["at"] = self.at.isoformat()
        return data

    @classmethod
    def from_stored(cls, data: dict[str, Json]) -> DomainEvent:
        return cls(**data)


# -- assistants ------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class _AssistantVersion(DomainEvent):
    """An assistant version, whole (not a diff)."""

    assistant_id: str
    graph_id: str
    assistant_name: str
    description: str | None = None
    config: Json = field(default_factory=dict)
    context: Json = field(default_factory=dict)
    metadata: Json = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class AssistantCreated(_AssistantVersion):
    name: ClassVar[str] = "assistant.created"


@dataclass(frozen=True, slots=True, kw_only=True)
class AssistantUpdated(_AssistantVersion):
    name: ClassVar[str] = "assistant.updated"
    version: int


@dataclass(frozen=True, slots=True, kw_only=True)
class AssistantVersionRestored(_AssistantVersion):
    """An earlier version became the current one again (`set_latest`)."""

    name: ClassVar[str] = "assistant.version_restored"
    version: int


@dataclass(frozen=True, slots=True, kw_only=True)
class AssistantDeleted(DomainEvent):
    name: ClassVar[str] = "assistant.deleted"
    assistant_id: str


# -- threads ---------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ThreadCreated(DomainEvent):
    name: ClassVar[str] = "thread.created"
    thread_id: str
    metadata: Json = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class ThreadUpdated(DomainEvent):
    """Metadata merged into the existing metadata."""

    name: ClassVar[str] = "thread.updated"
    thread_id: str
    metadata: Json = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class ThreadDeleted(DomainEvent):
    name: ClassVar[str] = "thread.deleted"
    thread_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ThreadStateUpdated(DomainEvent):
    """The thread's state was set outside a run (update_state, a copy, the
    last checkpoint of a cancelled run): its values, interrupts and the
    status they imply."""

    name: ClassVar[str] = "thread.state_updated"
    thread_id: str
    values: Json = None
    interrupts: Json = field(default_factory=dict)
    status: str = "idle"
    checkpoint_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ThreadCopied(DomainEvent):
    """Recorded on the source: its checkpoints were copied to another thread."""

    name: ClassVar[str] = "thread.copied"
    thread_id: str
    to_thread_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ThreadPruned(DomainEvent):
    """Old checkpoints dropped, the latest of each namespace kept."""

    name: ClassVar[str] = "thread.pruned"
    thread_id: str
    expired: bool = False  # the thread's TTL ran out (and is used up)


@dataclass(frozen=True, slots=True, kw_only=True)
class ThreadTtlSet(DomainEvent):
    """The thread is swept at `expires_at` (strategy `delete` or `keep_latest`)."""

    name: ClassVar[str] = "thread.ttl_set"
    thread_id: str
    strategy: str
    ttl_minutes: float
    expires_at: str  # ISO 8601


# -- runs (lifecycle lives on the thread stream: the thread is the
#    consistency boundary for "one active run per thread") -----------------


@dataclass(frozen=True, slots=True, kw_only=True)
class RunCreated(DomainEvent):
    name: ClassVar[str] = "run.created"
    run_id: str
    thread_id: str
    assistant_id: str
    graph_id: str
    spec: RunSpec  # stored as `kwargs`
    metadata: Json = field(default_factory=dict)
    multitask_strategy: str = "reject"
    temporary: bool = False

    def to_data(self) -> dict[str, Json]:
        data = DomainEvent.to_data(self)
        data["kwargs"] = data.pop("spec").to_stored()
        return data

    @classmethod
    def from_stored(cls, data: dict[str, Json]) -> RunCreated:
        data = dict(data)
        spec = RunSpec.from_stored(data.pop("kwargs", None) or {})
        return cls(**data, spec=spec)


@dataclass(frozen=True, slots=True, kw_only=True)
class RunStarted(DomainEvent):
    name: ClassVar[str] = "run.started"
    run_id: str
    thread_id: str
    epoch: int
    worker_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class _RunOutcome(DomainEvent):
    run_id: str
    thread_id: str
    epoch: int
    values: Json = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RunSucceeded(_RunOutcome):
    name: ClassVar[str] = "run.succeeded"


@dataclass(frozen=True, slots=True, kw_only=True)
class RunInterrupted(_RunOutcome):
    name: ClassVar[str] = "run.interrupted"
    interrupts: Json = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class RunFailed(_RunOutcome):
    name: ClassVar[str] = "run.failed"
    error: str
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RunCancelled(DomainEvent):
    name: ClassVar[str] = "run.cancelled"
    run_id: str
    thread_id: str
    action: str  # "interrupt" | "rollback"


@dataclass(frozen=True, slots=True, kw_only=True)
class RunDeleted(DomainEvent):
    name: ClassVar[str] = "run.deleted"
    run_id: str
    thread_id: str


# -- execution (on the run stream, fenced by the epoch) --------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class StepCompleted(DomainEvent):
    name: ClassVar[str] = "run.step_completed"
    run_id: str
    thread_id: str
    epoch: int
    step: int
    nodes: list[str]
    checkpoint_id: str


# -- checkpoints (stream per thread; the checkpoints tables are projections)


@dataclass(frozen=True, slots=True)
class ChannelBlob:
    """One channel's value at one version, serialized: stored once per
    (thread, namespace, channel, version) beside the events, however many
    checkpoints refer to it."""

    channel: str
    version: str
    type: str
    blob: bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckpointSaved(DomainEvent):
    """`checkpoint` is the serialized checkpoint; when `blob_versions` is set
    ({channel: version}) those channels' values are left out of it and held
    as channel blobs of the thread and namespace. `blobs` are the ones this
    save brings (the channels whose version changed): the event store writes
    them beside the event, in its transaction, and they are not part of the
    stored event data. Events saved before blobs existed hold every value
    inline and have no `blob_versions`."""

    name: ClassVar[str] = "checkpoint.saved"
    thread_id: str
    checkpoint_ns: str
    checkpoint_id: str
    parent_checkpoint_id: str | None
    checkpoint: Json  # {"type": ..., "blob": base64}
    metadata: Json
    run_id: str | None = None
    blob_versions: Json = None
    blobs: tuple[ChannelBlob, ...] = ()

    def to_data(self) -> dict[str, Json]:
        data = DomainEvent.to_data(self)
        del data["blobs"]
        if self.blob_versions is None:
            del data["blob_versions"]
        return data


@dataclass(frozen=True, slots=True, kw_only=True)
class WritesSaved(DomainEvent):
    name: ClassVar[str] = "checkpoint.writes_saved"
    thread_id: str
    checkpoint_ns: str
    checkpoint_id: str
    task_id: str
    task_path: str
    writes: Json  # [[idx, channel, type, blob-b64], ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckpointsDeleted(DomainEvent):
    name: ClassVar[str] = "checkpoint.deleted"
    thread_id: str
    run_ids: Json = None  # None: the whole thread; else only these runs


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckpointsPruned(DomainEvent):
    """Old checkpoints of a live thread dropped by the retention policy."""

    name: ClassVar[str] = "checkpoint.pruned"
    thread_id: str
    checkpoints: Json  # [[checkpoint_ns, checkpoint_id], ...]


# -- store (long-term memory; a stream per item) ---------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class StoreItemEvent(DomainEvent):
    namespace: list[str]
    key: str


@dataclass(frozen=True, slots=True, kw_only=True)
class StoreItemPut(StoreItemEvent):
    """The whole item; `vectors` are its embeddings, [[field, [floats]], ...]
    (in the event so a rebuild never calls the embedding model again)."""

    name: ClassVar[str] = "store.item_put"
    value: Json
    ttl_minutes: float | None = None
    expires_at: str | None = None  # ISO time; None: never
    vectors: Json = field(default_factory=list)


@dataclass(frozen=True, slots=True, kw_only=True)
class StoreItemDeleted(StoreItemEvent):
    name: ClassVar[str] = "store.item_deleted"


@dataclass(frozen=True, slots=True, kw_only=True)
class StoreItemTtlRefreshed(StoreItemEvent):
    """A read pushed the expiry back by the item's TTL."""

    name: ClassVar[str] = "store.item_ttl_refreshed"
    expires_at: str


@dataclass(frozen=True, slots=True, kw_only=True)
class StoreItemExpired(StoreItemEvent):
    """The sweeper removed an item whose expiry (`expires_at`) had passed;
    an item put or refreshed since then is not removed."""

    name: ClassVar[str] = "store.item_expired"
    expires_at: str


# -- crons (stream per cron; times inside events are ISO-8601 strings) ------


@dataclass(frozen=True, slots=True, kw_only=True)
class _CronState(DomainEvent):
    """A cron's whole definition after the change (not a diff)."""

    cron_id: str
    assistant_id: str
    thread_id: str | None  # None: a stateless cron, a new thread per tick
    schedule: str
    timezone: str | None
    end_time: str | None
    enabled: bool
    payload: Json  # the run to create at each tick
    metadata: Json
    on_run_completed: str | None  # stateless crons: "delete" | "keep"
    next_run_date: str | None  # None: no tick left before end_time
    user_id: str | None = None  # who created it; each tick runs as them


@dataclass(frozen=True, slots=True, kw_only=True)
class CronCreated(_CronState):
    name: ClassVar[str] = "cron.created"


@dataclass(frozen=True, slots=True, kw_only=True)
class CronUpdated(_CronState):
    name: ClassVar[str] = "cron.updated"


@dataclass(frozen=True, slots=True, kw_only=True)
class CronFired(DomainEvent):
    """One tick: the run it created, or why none was (error)."""

    name: ClassVar[str] = "cron.fired"
    cron_id: str
    tick: str
    run_id: str | None
    thread_id: str | None
    next_run_date: str | None
    error: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CronDeleted(DomainEvent):
    name: ClassVar[str] = "cron.deleted"
    cron_id: str


# What each aggregate's stream holds: its handler table must cover these.
ASSISTANT_STREAM = (AssistantCreated, AssistantUpdated, AssistantVersionRestored, AssistantDeleted)
THREAD_STREAM = (
    ThreadCreated,
    ThreadUpdated,
    ThreadDeleted,
    ThreadStateUpdated,
    ThreadCopied,
    ThreadPruned,
    ThreadTtlSet,
    RunCreated,
    RunStarted,
    RunSucceeded,
    RunInterrupted,
    RunFailed,
    RunCancelled,
    RunDeleted,
    CheckpointsDeleted,
)
CRON_STREAM = (CronCreated, CronUpdated, CronFired, CronDeleted)

EVENT_TYPES: dict[str, type[DomainEvent]] = {
    cls.name: cls
    for cls in (
        *ASSISTANT_STREAM,
        *THREAD_STREAM,
        *CRON_STREAM,
        StepCompleted,
        CheckpointSaved,
        WritesSaved,
        CheckpointsDeleted,
        CheckpointsPruned,
        StoreItemPut,
        StoreItemDeleted,
        StoreItemTtlRefreshed,
        StoreItemExpired,
    )
}


def upcast(name: str, data: dict[str, Json]) -> dict[str, Json]:
    """Old stored shapes become current ones here."""
    if name in ("run.interrupted", "thread.state_updated") and isinstance(
        data.get("interrupts"), dict
    ):
        return {**data, "interrupts": _without_null_schemas(data["interrupts"])}
    return data


def _without_null_schemas(interrupts: dict[str, Json]) -> dict[str, Json]:
    """Interrupts stored before they took the official server's shape carried
    `response_schema: null`; it now appears only when set."""

    def clean(item: Json) -> Json:
        if isinstance(item, dict) and "response_schema" in item and item["response_schema"] is None:
            return {k: v for k, v in item.items() if k != "response_schema"}
        return item

    return {
        task: [clean(i) for i in items] if isinstance(items, list) else items
        for task, items in interrupts.items()
    }


def from_data(name: str, data: dict[str, Json]) -> DomainEvent:
    cls = EVENT_TYPES[name]
    data = dict(upcast(name, data))
    at = data["at"]
    data["at"] = at if isinstance(at, datetime) else datetime.fromisoformat(at)
    return cls.from_stored(data)
