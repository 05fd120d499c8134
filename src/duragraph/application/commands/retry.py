from __future__ import annotations

import functools
from typing import Awaitable, Callable, ParamSpec, TypeVar

from ...domain.errors import ConcurrencyConflict

P = ParamSpec("P")
R = TypeVar("R")


def on_conflict(attempts: int = 8) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[R]]]:
    """Re-run a load-decide-save handler when another writer moved the stream."""

    def wrap(handler: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
        @functools.wraps(handler)
        async def run(*args: P.args, **kwargs: P.kwargs) -> R:
            for attempt in range(attempts):
                try:
                    return await handler(*args, **kwargs)
                except ConcurrencyConflict:
                    if attempt == attempts - 1:
                        raise
            raise AssertionError("unreachable")

        return run

    return wrap
