"""Who may create a run, and the identity the run carries: authorized as
`threads.create_run` (then `assistants.read`, unless the assistant is a
system one), with the handler's changes to the run's metadata kept, and the
caller stored in the run's config so that a re-claimed run acts as them."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Protocol

from ..application.commands.runs import assistant_key
from ..application.ports import Database, GraphCatalog
from ..application.queries.visibility import visibility
from ..domain.errors import NotFound
from ..domain.run_spec import RunSpec
from ..domain.statuses import RunStatus
from .auth.authenticate import user_fields
from .auth.service import Authorizer
from .run_specs import run_spec
from .schemas import RunCreate


class RunGate(Protocol):
    """What authorizing a run needs: Services has it, and so has the cron
    scheduler of a worker (which has no Services)."""

    @property
    def auth(self) -> Authorizer: ...

    @property
    def db(self) -> Database: ...

    @property
    def graphs(self) -> GraphCatalog: ...


async def authorize_run(s: RunGate, thread_id: str | None, body: RunCreate) -> RunCreate:
    value = create_run_value(
        thread_id,
        body.assistant_id,
        body.metadata,
        run_spec(body),
        multitask_strategy=body.multitask_strategy,
        if_not_exists=body.if_not_exists,
        after_seconds=body.after_seconds,
    )
    await check_run(s, thread_id, value)
    return body.model_copy(update={"metadata": value.get("metadata") or {}})


async def check_run(s: RunGate, thread_id: str | None, value: dict[str, Any]) -> None:
    """`value`: create_run_value(...), which the handler may change in place."""
    flt = await s.auth.authorize("threads", "create_run", value)
    # An existing thread must be the caller's, whatever if_not_exists says
    # (GHSA-747p-c922-m55f); a thread this run creates inherits its metadata.
    if (
        thread_id is not None
        and flt is not None
        and await visibility(s.db, "threads", thread_id, flt) is False
    ):
        raise NotFound("thread", thread_id, "Thread or assistant not found.")
    await require_assistant(s, value["assistant_id"])


def create_run_value(
    thread_id: str | None,
    assistant_id: str,
    metadata: dict[str, Any] | None,
    spec: RunSpec,
    *,
    multitask_strategy: str | None,
    if_not_exists: str | None = None,
    after_seconds: float | None = None,
) -> dict[str, Any]:
    return {
        "thread_id": thread_id,
        "assistant_id": assistant_id,
        "run_id": None,
        "status": RunStatus.pending,
        "metadata": metadata if metadata is not None else {},
        "prevent_insert_if_inflight": True,
        "multitask_strategy": multitask_strategy,
        "if_not_exists": if_not_exists,
        "after_seconds": after_seconds,
        "kwargs": spec.to_stored(),
    }


async def require_assistant(s: RunGate, assistant_id: str) -> None:
    """assistants.read, unless the assistant is a system one (everyone runs those)."""
    key = assistant_key(assistant_id, s.graphs)
    row = await s.db.fetchone("SELECT metadata FROM assistants WHERE assistant_id=%s", (key,))
    if row is None or (row["metadata"] or {}).get("created_by") == "system":
        return  # missing: the command says so; system assistants are everyone's
    flt = await s.auth.authorize("assistants", "read", {"assistant_id": key})
    if flt is not None and await visibility(s.db, "assistants", key, flt) is False:
        raise NotFound("assistant", key, "Thread or assistant not found.")


def with_identity(spec: RunSpec, user: Any) -> RunSpec:
    """The caller in the run's configurable (stored with the run, so that a
    recovered run carries it), as the official server puts it there."""
    if user is None:
        return spec
    return replace(
        spec,
        config=configurable_over(
            spec.config,
            {
                "langgraph_auth_user": user_fields(user),
                "langgraph_auth_user_id": user.identity,
                "langgraph_auth_permissions": list(user.permissions or []),
            },
        ),
    )


def payload_with_identity(payload: dict[str, Any], user: Any) -> dict[str, Any]:
    """A cron's payload: its runs' stored shape (and their multitask strategy)."""
    return {**payload, **with_identity(RunSpec.from_stored(payload), user).to_stored()}


def with_headers(spec: RunSpec, headers: dict[str, str] | None) -> RunSpec:
    """Request headers admitted by `http.configurable_headers` over the run's
    configurable, as upstream (the identity, set after, still wins)."""
    if not headers:
        return spec
    return replace(spec, config=configurable_over(spec.config, headers))


def configurable_over(config: dict[str, Any] | None, values: dict[str, Any]) -> dict[str, Any]:
    return {
        **(config or {}),
        "configurable": {**((config or {}).get("configurable") or {}), **values},
    }
