"""The HTTP request's run, as the domain stores it: the one place the
request schema meets `RunSpec`."""

from __future__ import annotations

from ..domain.run_spec import RunCommand, RunSpec
from .schemas import Command, RunCreate


def run_spec(body: RunCreate) -> RunSpec:
    checkpoint = body.checkpoint or {}
    return RunSpec(
        input=body.input,
        command=run_command(body.command) if body.command else None,
        config=body.config,
        context=body.context,
        # A checkpoint object names the checkpoint over a bare checkpoint_id.
        checkpoint_id=checkpoint.get("checkpoint_id", body.checkpoint_id),
        checkpoint=body.checkpoint,
        interrupt_before=body.interrupt_before,
        interrupt_after=body.interrupt_after,
        stream_mode=body.stream_mode,
        stream_subgraphs=body.stream_subgraphs,
        stream_resumable=body.stream_resumable,
        webhook=body.webhook,
        on_disconnect=body.on_disconnect,
        on_completion=body.on_completion,
        after_seconds=body.after_seconds,
        durability=body.durability,
        feedback_keys=body.feedback_keys,
    )


def run_command(command: Command) -> RunCommand:
    return RunCommand(update=command.update, resume=command.resume, goto=command.goto)
