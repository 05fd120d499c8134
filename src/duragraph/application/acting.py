"""The actor behind the commands now running: set at the edges (a request's
user, a cron firing, the sweeper, a recovered run) and written by the event
store into the metadata of every event those commands append."""

from __future__ import annotations

import contextlib
from contextvars import ContextVar
from typing import Iterator

from ..domain.identity import ANONYMOUS, Actor
from ..domain.run_spec import RunSpec

current_actor: ContextVar[Actor] = ContextVar("duragraph_actor", default=ANONYMOUS)


@contextlib.contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    token = current_actor.set(actor)
    try:
        yield actor
    finally:
        current_actor.reset(token)


def on_behalf_of_run(by: str, spec: RunSpec) -> Actor:
    """A part of the system (`by`) acting for a run: on behalf of its caller,
    stored in its config when it was created (no one without auth)."""
    user_id = spec.configurable.get("langgraph_auth_user_id")
    return Actor(by=by, on_behalf_of=user_id if isinstance(user_id, str) else None)
