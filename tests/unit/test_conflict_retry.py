"""The one retry on ConcurrencyConflict that command handlers (on_conflict),
finish_run and the checkpoint saver share."""

import pytest

from duragraph.application.commands.retry import retry_on_conflict
from duragraph.domain.errors import ConcurrencyConflict, NotFound


def attempts_failing_with(*errors: Exception):
    """An attempt that raises `errors` in turn, then answers "done"."""
    calls: list[int] = []
    pending = list(errors)

    async def attempt() -> str:
        calls.append(len(calls) + 1)
        if pending:
            raise pending.pop(0)
        return "done"

    return attempt, calls


async def test_a_write_decided_again_after_conflicts_returns_its_result() -> None:
    attempt, calls = attempts_failing_with(
        ConcurrencyConflict("thread-t1", 1), ConcurrencyConflict("thread-t1", 2)
    )
    assert await retry_on_conflict(attempt, attempts=3) == "done"
    assert calls == [1, 2, 3]


async def test_the_last_conflict_is_raised_once_the_attempts_are_spent() -> None:
    attempt, calls = attempts_failing_with(*[ConcurrencyConflict("thread-t1", n) for n in range(3)])
    with pytest.raises(ConcurrencyConflict, match="past version 2"):
        await retry_on_conflict(attempt, attempts=3)
    assert calls == [1, 2, 3]


async def test_any_other_error_is_not_retried() -> None:
    attempt, calls = attempts_failing_with(NotFound("thread", "t1"))
    with pytest.raises(NotFound):
        await retry_on_conflict(attempt)
    assert calls == [1]
