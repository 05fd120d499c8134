"""Every event an aggregate's stream holds has a handler on the aggregate or
is listed as one it ignores: none is skipped silently."""

from datetime import datetime, timezone

import pytest

from duragraph.domain import events as ev
from duragraph.domain.aggregate import Aggregate
from duragraph.domain.assistant import Assistant
from duragraph.domain.cron import Cron
from duragraph.domain.thread import Thread

STREAMS = [(Assistant, ev.ASSISTANT_STREAM), (Thread, ev.THREAD_STREAM), (Cron, ev.CRON_STREAM)]


def test_every_aggregate_has_its_stream_listed_here():
    assert {cls for cls, _ in STREAMS} == set(Aggregate.__subclasses__())


@pytest.mark.parametrize(("aggregate", "stream"), STREAMS, ids=lambda v: getattr(v, "__name__", ""))
def test_every_event_of_an_aggregates_stream_is_handled_or_ignored_explicitly(aggregate, stream):
    handled, ignored = set(aggregate.handlers), set(aggregate.ignored)
    assert handled | ignored == set(stream)
    assert not handled & ignored


def test_every_event_class_is_in_the_table_of_stored_names():
    def descendants(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from descendants(sub)

    named = {cls.__qualname__ for cls in descendants(ev.DomainEvent) if cls.name}
    assert named == {cls.__qualname__ for cls in ev.EVENT_TYPES.values()}


def test_an_event_the_aggregate_does_not_know_is_refused_not_skipped():
    thread = Thread("t")
    event = ev.CronDeleted(at=datetime(2026, 1, 1, tzinfo=timezone.utc), cron_id="c")
    with pytest.raises(TypeError, match=r"cron.deleted"):
        thread.apply(event)
    assert thread.version == 0
