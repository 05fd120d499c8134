"""What a run runs: its input or command, config, context and options.

The stored shape is this module's own: `to_stored` and `from_stored` name
every key, so renaming a field of the HTTP schema cannot change the events
(or what the run's `kwargs` show). The keys are those runs were stored with
before this type existed, so the old events read as they are. `None` means
"not given": such keys are left out, and defaults apply where they are used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

Json = Any


@dataclass(frozen=True, slots=True, kw_only=True)
class RunCommand:
    """LangGraph's `Command`, as a run is given it: a state update, the answer
    to an interrupt, and where to go next (a node, a `{"node", "input"}` send,
    or a list of them)."""

    update: Json = None
    resume: Json = None
    goto: Json = None

    def to_stored(self) -> dict[str, Json]:
        stored = {"update": self.update, "resume": self.resume, "goto": self.goto}
        return {k: v for k, v in stored.items() if v is not None}

    @classmethod
    def from_stored(cls, data: Mapping[str, Json]) -> RunCommand:
        return cls(update=data.get("update"), resume=data.get("resume"), goto=data.get("goto"))


@dataclass(frozen=True, slots=True, kw_only=True)
class RunSpec:
    input: Json = None
    command: RunCommand | None = None
    config: dict[str, Json] | None = None
    context: dict[str, Json] | None = None
    checkpoint_id: str | None = None
    checkpoint: dict[str, Json] | None = None
    interrupt_before: str | list[str] | None = None  # "*" or node names
    interrupt_after: str | list[str] | None = None
    stream_mode: str | Sequence[str] | None = None  # a list as stored
    stream_subgraphs: bool | None = None
    stream_resumable: bool | None = None
    webhook: str | None = None
    on_disconnect: str | None = None  # cancel | continue
    on_completion: str | None = None  # delete | keep: a stateless run's thread
    after_seconds: float | None = None
    durability: str | None = None  # sync | async | exit
    feedback_keys: list[str] | None = None

    @property
    def resumes(self) -> bool:
        """Whether it answers an interrupt (`Command(resume=...)`)."""
        return self.command is not None and self.command.resume is not None

    @property
    def configurable(self) -> dict[str, Json]:
        return (self.config or {}).get("configurable") or {}

    def to_stored(self) -> dict[str, Json]:
        stored = {
            "input": self.input,
            "command": None if self.command is None else self.command.to_stored(),
            "config": self.config,
            "context": self.context,
            "checkpoint_id": self.checkpoint_id,
            "checkpoint": self.checkpoint,
            "interrupt_before": self.interrupt_before,
            "interrupt_after": self.interrupt_after,
            "stream_mode": self.stream_mode,
            "stream_subgraphs": self.stream_subgraphs,
            "stream_resumable": self.stream_resumable,
            "webhook": self.webhook,
            "on_disconnect": self.on_disconnect,
            "on_completion": self.on_completion,
            "after_seconds": self.after_seconds,
            "durability": self.durability,
            "feedback_keys": self.feedback_keys,
        }
        return {k: v for k, v in stored.items() if v is not None}

    @classmethod
    def from_stored(cls, data: Mapping[str, Json]) -> RunSpec:
        return cls(
            input=data.get("input"),
            command=_command(data.get("command")),
            config=data.get("config"),
            context=data.get("context"),
            checkpoint_id=data.get("checkpoint_id"),
            checkpoint=data.get("checkpoint"),
            interrupt_before=data.get("interrupt_before"),
            interrupt_after=data.get("interrupt_after"),
            stream_mode=data.get("stream_mode"),
            stream_subgraphs=data.get("stream_subgraphs"),
            stream_resumable=data.get("stream_resumable"),
            webhook=data.get("webhook"),
            on_disconnect=data.get("on_disconnect"),
            on_completion=data.get("on_completion"),
            after_seconds=data.get("after_seconds"),
            durability=data.get("durability"),
            feedback_keys=data.get("feedback_keys"),
        )


def _command(stored: Mapping[str, Json] | None) -> RunCommand | None:
    return None if stored is None else RunCommand.from_stored(stored)
