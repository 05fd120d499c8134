from __future__ import annotations

import functools
from typing import Awaitable, Callable, ParamSpec, TypeVar

from ...domain.errors import ConcurrencyConflict

P = ParamSpec("P")
R = TypeVar("R")


async def retry_on_conflict(attempt: Callable[[], Awaitable[R]], attempts: int = 8) -> R:
    """Run `attempt` again while another writer moved a stream it wrote or read;
    the last attempt's conflict is raised."""
    for _ in range(attempts - 1):
        try:
            return await attempt()
        except ConcurrencyConflict:
            pass
    return await attempt()


def on_conflict(
    attempts: int = 8,
) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[R]]]:
    """Re-run a load-decide-save handler when another writer moved the stream."""

    def wrap(handler: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
        @functools.wraps(handler)
        async def run(*args: P.args, **kwargs: P.kwargs) -> R:
            return await retry_on_conflict(lambda: handler(*args, **kwargs), attempts)

        return run

    return wrap
