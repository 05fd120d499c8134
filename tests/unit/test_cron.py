"""The cron aggregate decides when a tick is due and what comes next."""

from datetime import datetime, timedelta, timezone

import pytest

from duragraph.application.schedules import next_tick, validate
from duragraph.domain.cron import Cron
from duragraph.domain.errors import InvalidInput, NotFound

NOW = datetime(2026, 1, 1, 12, 0, 30, tzinfo=timezone.utc)


def cron(schedule: str = "* * * * *", **options) -> Cron:
    c = Cron("c")
    fields = dict(
        assistant_id="a",
        thread_id=None,
        schedule=schedule,
        timezone=None,
        end_time=None,
        enabled=True,
        payload={},
        metadata={},
        on_run_completed=None,
    )
    c.create(**{**fields, **options}, now=NOW, next_tick=next_tick)
    c.pending.clear()
    return c


def test_a_new_cron_is_due_at_its_next_tick_and_not_before():
    c = cron()
    assert c.next_run_date == datetime(2026, 1, 1, 12, 1, tzinfo=timezone.utc)
    assert not c.due(NOW)
    assert c.due(NOW + timedelta(seconds=30))


def test_the_schedule_is_read_in_the_crons_timezone():
    c = cron("0 9 * * *", timezone="America/New_York")
    assert c.next_run_date == datetime(2026, 1, 1, 14, 0, tzinfo=timezone.utc)  # EST


def test_firing_records_the_tick_and_its_run_then_waits_for_the_next():
    c = cron()
    later = NOW + timedelta(seconds=45)
    c.fire(now=later, next_tick=next_tick, run_id="r", thread_id="t")
    [fired] = c.pending
    assert (fired.name, fired.tick, fired.run_id) == (
        "cron.fired",
        "2026-01-01T12:01:00+00:00",
        "r",
    )
    assert not c.due(later)
    assert c.next_run_date == datetime(2026, 1, 1, 12, 2, tzinfo=timezone.utc)


def test_ticks_missed_during_downtime_fire_once_not_in_a_burst():
    c = cron()
    much_later = NOW + timedelta(hours=3, seconds=10)
    c.fire(now=much_later, next_tick=next_tick, run_id="r", thread_id="t")
    assert not c.due(much_later)
    assert c.next_run_date > much_later


def test_a_disabled_cron_is_never_due():
    c = cron(enabled=False)
    assert not c.due(NOW + timedelta(days=1))
    with pytest.raises(InvalidInput):
        c.fire(now=NOW + timedelta(days=1), next_tick=next_tick, run_id="r")


def test_a_cron_whose_end_time_has_passed_has_no_next_run():
    c = cron(end_time=NOW - timedelta(minutes=1))
    assert c.next_run_date is None
    assert not c.due(NOW + timedelta(days=1))


def test_the_last_tick_before_end_time_fires_and_then_the_cron_stops():
    c = cron(end_time=NOW + timedelta(seconds=60))  # ticks at 12:01 only
    c.fire(now=NOW + timedelta(seconds=31), next_tick=next_tick, run_id="r")
    assert c.next_run_date is None


def test_an_update_changes_only_what_was_sent_and_reschedules_on_a_new_schedule():
    c = cron(payload={"input": {"a": 1}, "config": {"tags": ["x"]}}, metadata={"k": 1})
    c.update(
        {"payload": {"input": {"a": 2}}, "metadata": {"j": 2}, "schedule": "0 * * * *"},
        now=NOW,
        next_tick=next_tick,
    )
    assert c.current["payload"] == {"input": {"a": 2}, "config": {"tags": ["x"]}}
    assert c.current["metadata"] == {"k": 1, "j": 2}
    assert c.next_run_date == datetime(2026, 1, 1, 13, 0, tzinfo=timezone.utc)


def test_a_stateless_cron_deletes_its_threads_by_default_a_thread_cron_has_no_such_option():
    assert cron().current["on_run_completed"] == "delete"
    assert cron(thread_id="t", on_run_completed="keep").current["on_run_completed"] is None


def test_a_deleted_cron_can_be_neither_updated_nor_deleted_again():
    c = cron()
    c.delete(now=NOW)
    with pytest.raises(NotFound):
        c.update({"enabled": False}, now=NOW, next_tick=next_tick)
    with pytest.raises(NotFound):
        c.delete(now=NOW)
    assert not c.due(NOW + timedelta(days=1))


@pytest.mark.parametrize(
    "schedule,tz",
    [
        ("not a cron", None),
        ("61 * * * *", None),
        ("* " * 5000, None),
        ("0 0 30 2 *", None),
        ("0 0 31 4 *", None),  # never fire
        ("* * * * *", "Mars/Olympus"),
        ("* * * * *", "x" * 10_000),
        ("* * * * *", "../../etc/passwd"),
        ("* * * * *", "/etc/localtime"),
        ("* * * * *", "UTC\0"),
    ],
)
def test_bad_schedules_and_timezones_are_invalid_input(schedule, tz):
    with pytest.raises(InvalidInput):
        validate(schedule, tz, NOW)


def test_a_schedule_firing_every_leap_year_is_valid():
    validate("0 0 29 2 *", "Europe/Paris", datetime(2096, 3, 1, tzinfo=timezone.utc))


@pytest.mark.parametrize(
    "end", [datetime(9999, 12, 31, tzinfo=timezone.utc), datetime(1, 1, 1, tzinfo=timezone.utc)]
)
def test_an_end_time_out_of_any_clocks_reach_is_invalid_input(end):
    with pytest.raises(InvalidInput, match="end_time"):
        cron(end_time=end)
    with pytest.raises(InvalidInput, match="end_time"):
        cron().update({"end_time": end}, now=NOW, next_tick=next_tick)


def test_six_fields_mean_seconds_last():
    assert next_tick("* * * * * */10", None, NOW) == NOW.replace(second=40)


def test_a_cron_stored_with_a_zone_no_longer_known_stops_instead_of_failing_each_sweep():
    c = cron(timezone="Mars/Olympus")  # as an older server stored it, unchecked
    assert c.next_run_date is None
    assert not c.due(NOW + timedelta(days=1))
