"""The thread aggregate decides who may run: given events, when a command,
then new events (or a refusal)."""

from datetime import datetime, timezone

import pytest

from duragraph.domain import events as ev
from duragraph.domain.errors import (
    Fenced,
    InvalidInput,
    NotFound,
    RunAlreadyFinished,
    ThreadBusy,
    Unschedulable,
)
from duragraph.domain.run_spec import RunSpec
from duragraph.domain.thread import Thread, thread_status

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def thread_with_run(run_id: str = "r1", strategy: str = "reject") -> Thread:
    t = Thread("t")
    t.create(metadata={}, now=NOW)
    t.create_run(
        run_id=run_id,
        assistant_id="a",
        graph_id="g",
        spec=RunSpec(),
        metadata={},
        strategy=strategy,
        temporary=False,
        now=NOW,
    )
    t.pending.clear()
    return t


def names(t: Thread) -> list[str]:
    return [e.name for e in t.pending]


def test_a_second_run_on_a_busy_thread_is_rejected_by_default():
    t = thread_with_run()
    with pytest.raises(ThreadBusy):
        t.create_run(
            run_id="r2",
            assistant_id="a",
            graph_id="g",
            spec=RunSpec(),
            metadata={},
            strategy="reject",
            temporary=False,
            now=NOW,
        )
    assert t.pending == []


def test_an_enqueued_run_waits_until_the_active_one_finishes():
    t = thread_with_run()
    t.create_run(
        run_id="r2",
        assistant_id="a",
        graph_id="g",
        spec=RunSpec(),
        metadata={},
        strategy="enqueue",
        temporary=False,
        now=NOW,
    )
    assert t.next_runnable().run_id == "r1"
    epoch = t.start_run("r1", worker_id="w", lapsed_epoch=None, now=NOW)
    assert t.next_runnable() is None
    with pytest.raises(Fenced):
        t.start_run("r2", worker_id="w", lapsed_epoch=None, now=NOW)
    t.finish_run("r1", epoch=epoch, outcome="success", now=NOW, values={"x": 1})
    assert t.next_runnable().run_id == "r2"


def test_interrupt_strategy_cancels_the_active_run_before_creating_the_new_one():
    t = thread_with_run()
    t.create_run(
        run_id="r2",
        assistant_id="a",
        graph_id="g",
        spec=RunSpec(),
        metadata={},
        strategy="interrupt",
        temporary=False,
        now=NOW,
    )
    assert names(t) == ["run.cancelled", "run.created"]
    assert t.pending[0].action == "interrupt"
    assert t.runs["r1"].status == "interrupted"


def test_rollback_strategy_erases_the_active_run_and_its_checkpoints():
    t = thread_with_run()
    t.create_run(
        run_id="r2",
        assistant_id="a",
        graph_id="g",
        spec=RunSpec(),
        metadata={},
        strategy="rollback",
        temporary=False,
        now=NOW,
    )
    assert names(t) == ["run.cancelled", "checkpoint.deleted", "run.deleted", "run.created"]
    assert t.pending[1].run_ids == ["r1"]
    with pytest.raises(NotFound):
        t.run("r1")
    assert t.next_runnable().run_id == "r2"


def test_unknown_strategy_is_invalid_input():
    t = thread_with_run()
    with pytest.raises(InvalidInput):
        t.create_run(
            run_id="r2",
            assistant_id="a",
            graph_id="g",
            spec=RunSpec(),
            metadata={},
            strategy="bogus",
            temporary=False,
            now=NOW,
        )


def test_a_running_run_is_reclaimed_only_after_its_lease_lapsed_with_a_higher_epoch():
    t = thread_with_run()
    first = t.start_run("r1", worker_id="w1", lapsed_epoch=None, now=NOW)
    with pytest.raises(Fenced):
        t.start_run("r1", worker_id="w2", lapsed_epoch=None, now=NOW)
    second = t.start_run("r1", worker_id="w2", lapsed_epoch=first, now=NOW)
    assert (first, second) == (1, 2)
    with pytest.raises(Fenced):  # a second claimer that saw epoch 1 lapse too
        t.start_run("r1", worker_id="w3", lapsed_epoch=first, now=NOW)
    with pytest.raises(Fenced):  # the old owner's late write is refused
        t.finish_run("r1", epoch=first, outcome="success", now=NOW)
    t.finish_run("r1", epoch=second, outcome="success", now=NOW)
    assert t.runs["r1"].status == "success"


def test_a_run_stopped_at_an_interrupt_succeeds_and_leaves_its_thread_interrupted():
    t = thread_with_run()
    epoch = t.start_run("r1", worker_id="w", lapsed_epoch=None, now=NOW)
    t.finish_run("r1", epoch=epoch, outcome="interrupted", now=NOW, interrupts={"x": []})
    assert (t.runs["r1"].status, thread_status(t)) == ("success", "interrupted")


def test_thread_status_follows_the_last_outcome():
    t = thread_with_run()
    assert thread_status(t) == "busy"
    epoch = t.start_run("r1", worker_id="w", lapsed_epoch=None, now=NOW)
    t.finish_run("r1", epoch=epoch, outcome="interrupted", now=NOW, interrupts={"x": []})
    assert thread_status(t) == "interrupted"
    t.create_run(
        run_id="r2",
        assistant_id="a",
        graph_id="g",
        spec=RunSpec(),
        metadata={},
        strategy="reject",
        temporary=False,
        now=NOW,
    )
    epoch = t.start_run("r2", worker_id="w", lapsed_epoch=None, now=NOW)
    t.finish_run("r2", epoch=epoch, outcome="error", now=NOW, error="ValueError", message="boom")
    assert thread_status(t) == "error"


def test_cancelling_a_finished_run_is_rejected():
    t = thread_with_run()
    epoch = t.start_run("r1", worker_id="w", lapsed_epoch=None, now=NOW)
    t.finish_run("r1", epoch=epoch, outcome="success", now=NOW)
    with pytest.raises(RunAlreadyFinished):
        t.cancel_run("r1", action="interrupt", now=NOW)


def settle(t: Thread, run_id: str = "r1") -> None:
    t.settle_cancelled(
        run_id, values={"x": 1}, interrupts={}, has_next=True, checkpoint_id="c1", now=NOW
    )


def test_a_run_cancelled_with_interrupt_leaves_its_thread_as_its_checkpoint_says():
    t = thread_with_run()
    t.start_run("r1", worker_id="w", lapsed_epoch=None, now=NOW)
    t.cancel_run("r1", action="interrupt", now=NOW)
    t.pending.clear()
    settle(t)
    assert names(t) == ["thread.state_updated"]
    assert (thread_status(t), t.values) == ("interrupted", {"x": 1})
    t.pending.clear()
    settle(t)  # settled once
    assert t.pending == []


@pytest.mark.parametrize("since", ["rollback", "a new run", "an update"])
def test_a_cancelled_run_settles_nothing_after_a_rollback_or_anything_newer(since: str):
    t = thread_with_run()
    t.cancel_run("r1", action="rollback" if since == "rollback" else "interrupt", now=NOW)
    if since == "a new run":
        t.create_run(
            run_id="r2",
            assistant_id="a",
            graph_id="g",
            spec=RunSpec(),
            metadata={},
            strategy="reject",
            temporary=False,
            now=NOW,
        )
    if since == "an update":
        t.set_state(values={"y": 2}, interrupts={}, has_next=False, checkpoint_id="c2", now=NOW)
    t.pending.clear()
    settle(t)
    assert t.pending == []


def test_a_deleted_thread_refuses_new_runs():
    t = thread_with_run()
    t.delete(now=NOW)
    assert names(t) == ["run.cancelled", "thread.deleted"]
    with pytest.raises(NotFound):
        t.create_run(
            run_id="r2",
            assistant_id="a",
            graph_id="g",
            spec=RunSpec(),
            metadata={},
            strategy="enqueue",
            temporary=False,
            now=NOW,
        )


def test_events_round_trip_through_their_stored_form():
    event = ev.RunStarted(at=NOW, run_id="r", thread_id="t", epoch=3, worker_id="w")
    assert ev.from_data(event.name, event.to_data()) == event


def test_a_delayed_run_cannot_start_before_its_time():
    from datetime import timedelta

    t = Thread("t")
    t.create(metadata={}, now=NOW)
    t.create_run(
        run_id="r1",
        assistant_id="a",
        graph_id="g",
        spec=RunSpec(after_seconds=5),
        metadata={},
        strategy="reject",
        temporary=False,
        now=NOW,
    )
    with pytest.raises(Fenced):
        t.start_run("r1", worker_id="w", lapsed_epoch=None, now=NOW + timedelta(seconds=4))
    assert t.start_run("r1", worker_id="w", lapsed_epoch=None, now=NOW + timedelta(seconds=5)) == 1


def test_cancelling_many_runs_cancels_those_still_active():
    t = thread_with_run()
    t.create_run(
        run_id="r2",
        assistant_id="a",
        graph_id="g",
        spec=RunSpec(),
        metadata={},
        strategy="enqueue",
        temporary=False,
        now=NOW,
    )
    epoch = t.start_run("r1", worker_id="w", lapsed_epoch=None, now=NOW)
    t.finish_run("r1", epoch=epoch, outcome="success", now=NOW)
    t.pending.clear()
    assert t.cancel_runs(["r1", "r2"], action="interrupt", now=NOW) == ["r2"]
    assert names(t) == ["run.cancelled"]


def test_cancelling_many_runs_naming_an_unknown_one_cancels_none():
    t = thread_with_run()
    with pytest.raises(NotFound):
        t.cancel_runs(["r1", "nope"], action="interrupt", now=NOW)
    assert t.pending == []


def _stateless(on_completion: str | None) -> Thread:
    t = Thread("t")
    t.create(metadata={}, now=NOW)
    t.create_run(
        run_id="r1",
        assistant_id="a",
        graph_id="g",
        spec=RunSpec(on_completion=on_completion),
        metadata={},
        strategy="reject",
        temporary=True,
        now=NOW,
    )
    t.pending.clear()
    return t


@pytest.mark.parametrize(
    "on_completion, deleted", [(None, True), ("delete", True), ("keep", False)]
)
def test_a_stateless_runs_thread_goes_with_its_end_unless_kept(on_completion, deleted):
    t = _stateless(on_completion)
    epoch = t.start_run("r1", worker_id="w", lapsed_epoch=None, now=NOW)
    t.finish_run("r1", epoch=epoch, outcome="error", now=NOW, error="E", message="m")
    assert ("thread.deleted" in names(t)) is deleted


def test_a_cancelled_stateless_run_takes_its_thread_along():
    t = _stateless(None)
    t.cancel_run("r1", action="interrupt", now=NOW)
    assert names(t) == ["run.cancelled", "thread.deleted"]


def _start_and_finish(t: Thread, run_id: str) -> None:
    epoch = t.start_run(run_id, worker_id="w", lapsed_epoch=None, now=NOW)
    t.finish_run(run_id, epoch=epoch, outcome="success", now=NOW, values={})


def test_only_the_first_claim_of_the_first_run_on_an_untouched_thread_starts_blank():
    # A blank start skips loading the thread's latest checkpoint: wrongly
    # blank, a run would lose the state earlier runs or updates left.
    t = thread_with_run()
    t.start_run("r1", worker_id="w1", lapsed_epoch=None, now=NOW)
    assert t.starts_blank("r1")
    t.start_run("r1", worker_id="w2", lapsed_epoch=1, now=NOW)  # a re-claim resumes
    assert not t.starts_blank("r1")

    t = thread_with_run()
    _start_and_finish(t, "r1")
    t.create_run(
        run_id="r2",
        assistant_id="a",
        graph_id="g",
        spec=RunSpec(),
        metadata={},
        strategy="reject",
        temporary=False,
        now=NOW,
    )
    t.start_run("r2", worker_id="w", lapsed_epoch=None, now=NOW)
    assert not t.starts_blank("r2")


def test_a_thread_whose_state_was_set_never_starts_blank():
    t = Thread("t")
    t.create(metadata={}, now=NOW)
    t.set_state(values={"a": 1}, interrupts={}, has_next=False, checkpoint_id="c1", now=NOW)
    t.create_run(
        run_id="r1",
        assistant_id="a",
        graph_id="g",
        spec=RunSpec(),
        metadata={},
        strategy="reject",
        temporary=False,
        now=NOW,
    )
    t.start_run("r1", worker_id="w", lapsed_epoch=None, now=NOW)
    assert not t.starts_blank("r1")

    copy = Thread("copy")
    t.finish_run("r1", epoch=1, outcome="success", now=NOW, values={})
    t.copy_to(copy, now=NOW)
    copy.create_run(
        run_id="r2",
        assistant_id="a",
        graph_id="g",
        spec=RunSpec(),
        metadata={},
        strategy="reject",
        temporary=False,
        now=NOW,
    )
    copy.start_run("r2", worker_id="w", lapsed_epoch=None, now=NOW)
    assert not copy.starts_blank("r2")


@pytest.mark.parametrize(
    "delay", [1e308, float("inf"), float("nan"), -1, "soon", 10 * 366 * 86400, 10**400]
)
def test_a_run_whose_delay_no_clock_can_reach_is_refused(delay):
    t = thread_with_run()
    with pytest.raises(InvalidInput, match="after_seconds"):
        t.create_run(
            run_id="r2",
            assistant_id="a",
            graph_id="g",
            spec=RunSpec(after_seconds=delay),
            metadata={},
            strategy="enqueue",
            temporary=False,
            now=NOW,
        )
    assert t.pending == []


def stored_before_checks(delay) -> Thread:
    """A thread whose pending run's delay was stored before delays were checked."""
    t = Thread("t")
    t.create(metadata={}, now=NOW)
    for run_id, spec in (("poison", RunSpec(after_seconds=delay)), ("next", RunSpec())):
        t.apply(
            ev.RunCreated(
                at=NOW,
                run_id=run_id,
                thread_id="t",
                assistant_id="a",
                graph_id="g",
                spec=spec,
                metadata={},
                multitask_strategy="enqueue",
                temporary=False,
            )
        )
    t.pending.clear()
    return t


@pytest.mark.parametrize("delay", [1e308, "soon"])
def test_a_stored_run_that_can_never_start_fails_once_and_the_next_run_goes_on(delay):
    t = stored_before_checks(delay)
    with pytest.raises(Unschedulable, match="after_seconds") as refused:
        t.start_run("poison", worker_id="w", lapsed_epoch=None, now=NOW)
    t.fail_unschedulable("poison", reason=refused.value.reason, now=NOW)
    assert names(t) == ["run.failed"]
    assert "after_seconds" in t.pending[0].message
    assert t.runs["poison"].status == "error"
    assert t.start_run("next", worker_id="w", lapsed_epoch=None, now=NOW) == 1
    with pytest.raises(Fenced):  # once only
        t.fail_unschedulable("poison", reason="again", now=NOW)


def test_a_thread_ttl_beyond_ten_years_is_refused():
    t = thread_with_run()
    with pytest.raises(InvalidInput, match="ttl"):
        t.set_ttl(strategy="delete", minutes=1e308, now=NOW)


def test_interrupts_stored_with_a_null_response_schema_load_without_it():
    stored = {
        "at": NOW.isoformat(),
        "run_id": "r1",
        "thread_id": "t",
        "epoch": 1,
        "interrupts": {
            "task": [
                {"value": 1, "id": "i", "response_schema": None},
                {"value": 2, "id": "j", "response_schema": {"type": "x"}},
            ]
        },
    }
    for name in ("run.interrupted", "thread.state_updated"):
        data = (
            stored
            if name == "run.interrupted"
            else {k: v for k, v in stored.items() if k not in ("run_id", "epoch")}
        )
        assert ev.from_data(name, data).interrupts == {
            "task": [
                {"value": 1, "id": "i"},
                {"value": 2, "id": "j", "response_schema": {"type": "x"}},
            ]
        }
