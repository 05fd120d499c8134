"""What a run passes to LangGraph: input or command, config, options."""

from __future__ import annotations

from typing import Any

from langgraph.types import Command, Send

from ...domain.identity import AuthUser
from ...domain.run_spec import RunCommand, RunSpec


def build_config(
    run: dict[str, Any], *, attempt: int = 1, server: dict[str, Any] | None = None
) -> dict[str, Any]:
    """`attempt`: the run's epoch (a re-claimed run tries again); `server`:
    the facts about this server its metadata carries (see run_metadata.py)."""
    spec: RunSpec = run["spec"]
    config = dict(spec.config or {})
    configurable = {
        **(config.get("configurable") or {}),
        "thread_id": run["thread_id"],
        "run_id": run["run_id"],
        "assistant_id": run["assistant_id"],
        "graph_id": run["graph_id"],
    }
    if spec.checkpoint_id:
        configurable["checkpoint_id"] = spec.checkpoint_id
    if isinstance(configurable.get("langgraph_auth_user"), dict):
        # Attribute access, as LangGraph's runtime.server_info.user expects.
        configurable["langgraph_auth_user"] = AuthUser(configurable["langgraph_auth_user"])
    config["configurable"] = configurable
    config["metadata"] = {
        **(config.get("metadata") or {}),
        **(run.get("metadata") or {}),
        "run_attempt": attempt,
        **(server or {}),
        "run_id": run["run_id"],
        "thread_id": run["thread_id"],
    }
    return config


def build_input(spec: RunSpec, *, resuming: bool) -> Any:
    """A re-claimed run that already committed a step continues from its
    checkpoint (input None) instead of starting over."""
    if resuming:
        return None
    if spec.command is not None and spec.command.to_stored():  # an empty one is none
        return langgraph_command(spec.command)
    return spec.input


def langgraph_command(command: RunCommand) -> Command:
    goto = command.goto
    if isinstance(goto, dict):
        goto = Send(goto["node"], goto.get("input"))
    elif isinstance(goto, list):
        goto = [Send(g["node"], g.get("input")) if isinstance(g, dict) else g for g in goto]
    return Command(resume=command.resume, update=command.update, goto=goto or ())


def stream_options(spec: RunSpec) -> dict[str, Any]:
    options: dict[str, Any] = {
        "interrupt_before": spec.interrupt_before,
        "interrupt_after": spec.interrupt_after,
        "durability": spec.durability or "async",
    }
    if spec.context is not None:
        options["context"] = spec.context
    return options
