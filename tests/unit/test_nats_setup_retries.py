"""A start asks JetStream again while a cluster forms or elects a leader,
and gives up (raising) after its timeout; other errors are not retried."""

from __future__ import annotations

import pytest

from duragraph.infrastructure.nats.pacing import retried


class Busy(Exception):
    pass


def _failing(times: int, error: Exception):
    calls: list[int] = []

    async def call() -> str:
        calls.append(1)
        if len(calls) <= times:
            raise error
        return "done"

    return call, calls


async def test_a_busy_answer_is_asked_again_until_it_succeeds() -> None:
    call, calls = _failing(2, Busy())
    assert await retried(call, (Busy,), what="test", timeout=10) == "done"
    assert len(calls) == 3


async def test_other_errors_are_not_retried() -> None:
    call, calls = _failing(1, ValueError("refused"))
    with pytest.raises(ValueError):
        await retried(call, (Busy,), what="test", timeout=10)
    assert len(calls) == 1


async def test_past_the_timeout_the_busy_error_is_raised() -> None:
    call, calls = _failing(100, Busy())
    with pytest.raises(Busy):
        await retried(call, (Busy,), what="test", timeout=0.3)
    assert 2 <= len(calls) < 100
