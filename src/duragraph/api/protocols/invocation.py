"""Running an assistant for a protocol adapter (MCP, A2A): the same run
creation and wait the runs routes use, plus what the adapters tell about it."""

from __future__ import annotations

from typing import Any

from ...application.commands.runs import CreatedRun, assistant_key, cancel_run
from ...application.queries.assistants import get_assistant
from ...application.queries.outcomes import Outcome, run_outcome
from ...infrastructure.graphs.introspection import graph_schemas
from ..access import authorize, require
from ..run_control import create_run, stopped, wait_for_run
from ..schemas import RunCreate
from ..services import Services


async def find_assistant(s: Services, assistant_id: str) -> dict[str, Any]:
    """An assistant by id, or by graph id for its default assistant, that the
    caller may read (NotFound)."""
    key = assistant_key(assistant_id, s.graphs)
    await require(s, "assistants", "read", key)
    return await get_assistant(s.db, key)


async def assistants_visible(s: Services, limit: int, offset: int) -> dict[str, Any] | None:
    """The caller's filter on the assistants they may list (None: all)."""
    return await authorize(
        s,
        "assistants",
        "search",
        {"graph_id": None, "metadata": None, "limit": limit, "offset": offset},
    )


async def require_thread(s: Services, thread_id: str) -> None:
    """A thread the caller may read (NotFound)."""
    await require(s, "threads", "read", thread_id)


async def input_schema(s: Services, assistant: dict[str, Any]) -> dict[str, Any] | None:
    built = await s.graphs.build(assistant["graph_id"], assistant["config"])
    return graph_schemas(assistant["graph_id"], built)["input_schema"]


async def start(
    s: Services,
    assistant_id: str,
    input: Any = None,
    *,
    thread_id: str | None = None,
    metadata: dict[str, Any] | None = None,
    command: dict[str, Any] | None = None,
    stream_mode: str | list[str] = "values",
) -> CreatedRun:
    body = RunCreate.model_validate(
        {
            "assistant_id": assistant_id,
            "input": input,
            "command": command,
            "metadata": metadata or {},
            "if_not_exists": "create",
            "stream_mode": stream_mode,
        }
    )
    return await create_run(s, thread_id, body)


async def finish(s: Services, run_id: str) -> Outcome:
    await wait_for_run(s, run_id)
    outcome = await run_outcome(s.db, run_id)
    assert outcome is not None  # wait_for_run returns once the outcome is committed
    return outcome


async def cancel(s: Services, thread_id: str, run_id: str) -> None:
    """As POST .../runs/{run_id}/cancel does (RunAlreadyFinished if it has ended)."""
    await cancel_run(thread_id, run_id, "interrupt", s.store, s.clock)
    await stopped(s, thread_id, [run_id])
