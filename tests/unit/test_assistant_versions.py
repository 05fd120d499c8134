"""The assistant aggregate keeps every version: given events, when a command,
then new events (or a refusal)."""

from datetime import datetime, timezone

import pytest

from duragraph.domain import events as ev
from duragraph.domain.assistant import Assistant
from duragraph.domain.errors import NotFound

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def assistant_with_two_versions() -> Assistant:
    a = Assistant("a")
    a.create(
        graph_id="g",
        name="first",
        description=None,
        config={"c": 1},
        context={},
        metadata={"m": 1},
        now=NOW,
    )
    a.update(
        graph_id=None,
        name="second",
        description=None,
        config={"c": 2},
        context=None,
        metadata={"n": 2},
        now=NOW,
    )
    a.pending.clear()
    return a


def test_restoring_a_version_records_that_version_whole():
    a = assistant_with_two_versions()
    a.restore_version(1, now=NOW)
    (event,) = a.pending
    assert isinstance(event, ev.AssistantVersionRestored)
    assert (event.version, event.assistant_name, event.config, event.metadata) == (
        1,
        "first",
        {"c": 1},
        {"m": 1},
    )
    assert a.current["assistant_name"] == "first"


def test_an_update_after_a_restore_makes_the_next_version_from_the_restored_one():
    a = assistant_with_two_versions()
    a.restore_version(1, now=NOW)
    a.update(
        graph_id=None,
        name=None,
        description=None,
        config=None,
        context=None,
        metadata={"x": 3},
        now=NOW,
    )
    event = a.pending[-1]
    assert event.version == 3
    assert (event.assistant_name, event.config, event.metadata) == (
        "first",
        {"c": 1},
        {"m": 1, "x": 3},
    )


def test_restoring_an_unknown_version_is_refused():
    a = assistant_with_two_versions()
    with pytest.raises(NotFound):
        a.restore_version(5, now=NOW)
    assert a.pending == []


def test_a_deleted_assistant_cannot_be_restored():
    a = assistant_with_two_versions()
    a.delete(now=NOW)
    a.pending.clear()
    with pytest.raises(NotFound):
        a.restore_version(1, now=NOW)
