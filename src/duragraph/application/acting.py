"""The actor behind the commands now running: set at the edges (a request's
user, a cron firing, the sweeper, a recovered run) and written by the event
store into the metadata of every event those commands append."""
from __future__ import annotations

import contextlib
from contextvars import ContextVar
from typing import Iterator

from ..domain.identity import ANONYMOUS, Actor

current_actor: ContextVar[Actor] = ContextVar("duragraph_actor", default=ANONYMOUS)


@contextlib.contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    token = current_actor.set(actor)
    try:
        yield actor
    finally:
        current_actor.reset(token)
