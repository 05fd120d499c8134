"""Each cron tick authorized again as the cron's creator, as the official
scheduler does: `threads.create_run` (then `assistants.read`) with the
creator as the handler's user; their handler's changes to the run's metadata
are kept, and the run carries their identity. A refusal skips the tick."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass

from ..application.commands.crons import FiringRefused
from ..application.commands.runs import CreateRun
from ..application.ports import Database, GraphCatalog
from ..application.queries.visibility import InvalidFilter
from ..domain.errors import NotFound
from ..domain.identity import AuthUser
from ..domain.run_spec import RunSpec
from .auth.authenticate import AuthFailure
from .auth.service import Authorizer, current_user
from .run_access import check_run, create_run_value, with_identity

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AsCreator:
    """The scheduler's `authorize` port (a RunGate: what check_run needs)."""

    auth: Authorizer
    db: Database
    graphs: GraphCatalog

    async def __call__(self, request: CreateRun, user_id: str | None) -> CreateRun:
        if not self.auth.enabled or user_id is None:
            return request
        user = creator(request.spec, user_id)
        value = create_run_value(
            request.thread_id,
            request.assistant_id,
            request.metadata,
            request.spec,
            multitask_strategy=request.multitask_strategy,
        )
        token = current_user.set(user)
        try:
            await check_run(self, request.thread_id, value)
        except (NotFound, AuthFailure, InvalidFilter) as exc:
            raise FiringRefused(f"refused for its creator {user_id!r}: {exc}") from None
        finally:
            current_user.reset(token)
        return dataclasses.replace(
            request, metadata=value.get("metadata") or {}, spec=with_identity(request.spec, user)
        )


def creator(spec: RunSpec, user_id: str) -> AuthUser:
    """The creator as stored with the cron's run (all their fields), or by id
    alone when the stored run names someone else (a config sent in a PATCH)."""
    stored = spec.configurable.get("langgraph_auth_user")
    if isinstance(stored, dict) and stored.get("identity") == user_id:
        return AuthUser(stored)
    return AuthUser({"identity": user_id})
