"""The thread aggregate outside runs: state updates, copies, prunes, TTLs and
resumes; given events, when a command, then new events (or a refusal)."""

from datetime import datetime, timedelta, timezone

import pytest

from duragraph.domain import events as ev
from duragraph.domain.errors import InvalidInput, NotFound, NotInterrupted, ThreadBusy
from duragraph.domain.run_spec import RunCommand, RunSpec
from duragraph.domain.thread import Thread, thread_status

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def idle_thread(ident: str = "t") -> Thread:
    t = Thread(ident)
    t.create(metadata={"graph_id": "g"}, now=NOW)
    t.pending.clear()
    return t


def run(t: Thread, run_id: str = "r1", **kwargs) -> None:
    t.create_run(
        run_id=run_id,
        assistant_id="a",
        graph_id="g",
        spec=RunSpec(**kwargs),
        metadata={},
        strategy="enqueue",
        temporary=False,
        now=NOW,
    )


def finish(t: Thread, outcome: str, values=None, interrupts=None, run_id: str = "r1") -> None:
    epoch = t.start_run(run_id, worker_id="w", lapsed_epoch=None, now=NOW)
    t.finish_run(
        run_id, epoch=epoch, outcome=outcome, values=values, interrupts=interrupts, now=NOW
    )


def test_a_state_update_with_pending_tasks_leaves_the_thread_interrupted():
    t = idle_thread()
    t.set_state(values={"a": 1}, interrupts={}, has_next=True, checkpoint_id="c1", now=NOW)
    [event] = t.pending
    assert isinstance(event, ev.ThreadStateUpdated)
    assert (event.values, event.status, event.checkpoint_id) == ({"a": 1}, "interrupted", "c1")
    assert thread_status(t) == "interrupted"
    t.set_state(values={"a": 2}, interrupts={}, has_next=False, checkpoint_id="c2", now=NOW)
    assert thread_status(t) == "idle" and t.values == {"a": 2}


def test_state_updates_copies_and_prunes_wait_for_the_active_run():
    t = idle_thread()
    run(t)
    t.pending.clear()
    with pytest.raises(ThreadBusy):
        t.set_state(values={}, interrupts={}, has_next=False, checkpoint_id=None, now=NOW)
    with pytest.raises(ThreadBusy):
        t.copy_to(Thread("copy"), now=NOW)
    with pytest.raises(ThreadBusy):
        t.prune(now=NOW)
    assert t.pending == []


def test_a_copy_starts_with_the_sources_metadata_values_and_status():
    source = idle_thread()
    run(source)
    finish(
        source,
        "interrupted",
        values={"q": "?", "__interrupt__": [1]},
        interrupts={"task": [{"value": "?"}]},
    )
    source.pending.clear()
    target = Thread("copy")
    source.copy_to(target, now=NOW)
    assert [e.name for e in source.pending] == ["thread.copied"]
    assert [e.name for e in target.pending] == ["thread.created", "thread.state_updated"]
    assert target.metadata == source.metadata
    assert target.values == {"q": "?"} and target.interrupts == {"task": [{"value": "?"}]}
    assert thread_status(target) == "interrupted"


def test_a_ttl_must_have_a_known_strategy_and_a_positive_length():
    t = idle_thread()
    for strategy, minutes in (
        ("shred", 5),
        ("delete", 0),
        ("delete", -1),
        ("delete", "5"),
        ("delete", None),
        ("delete", True),
    ):
        with pytest.raises(InvalidInput):
            t.set_ttl(strategy=strategy, minutes=minutes, now=NOW)
    assert t.pending == []
    t.set_ttl(strategy="keep_latest", minutes=1.5, now=NOW)
    assert t.ttl.expires_at == (NOW + timedelta(seconds=90)).isoformat()


def test_a_ttl_is_due_once_expired_and_never_while_a_run_is_active():
    t = idle_thread()
    t.set_ttl(strategy="delete", minutes=1, now=NOW)
    later = NOW + timedelta(minutes=2)
    assert not t.ttl_due(NOW) and t.ttl_due(later)
    run(t)
    assert not t.ttl_due(later)


def test_an_expired_keep_latest_prune_uses_the_ttl_up():
    t = idle_thread()
    t.set_ttl(strategy="keep_latest", minutes=1, now=NOW)
    t.prune(now=NOW, expired=True)
    assert t.ttl is None and not t.ttl_due(NOW + timedelta(days=1))


def test_a_resume_needs_an_interrupted_thread():
    t = idle_thread()
    with pytest.raises(NotInterrupted):
        run(t, command=RunCommand(resume="yes"))
    assert t.pending == []
    run(t)
    finish(t, "interrupted", values={}, interrupts={"task": []})
    run(t, "r2", command=RunCommand(resume="yes"))
    assert t.runs["r2"].status == "pending"


def test_a_resume_may_queue_behind_an_active_run():
    t = idle_thread()
    run(t)
    run(t, "r2", command=RunCommand(resume="yes"))
    assert [r.run_id for r in t.active_runs()] == ["r1", "r2"]


def test_a_deleted_thread_takes_no_state():
    t = idle_thread()
    t.delete(now=NOW)
    with pytest.raises(NotFound):
        t.set_state(values={}, interrupts={}, has_next=False, checkpoint_id=None, now=NOW)
    with pytest.raises(NotFound):
        t.set_ttl(strategy="delete", minutes=1, now=NOW)
