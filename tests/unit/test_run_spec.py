"""A run's spec has its own stored shape: what the HTTP schema calls its
fields does not reach the events, and runs stored before the spec existed
still load (and store back the same)."""

from dataclasses import fields
from datetime import datetime, timezone

from duragraph.api.run_specs import run_spec
from duragraph.api.schemas import RunCreate
from duragraph.domain import events as ev
from duragraph.domain.run_spec import RunCommand, RunSpec

# A run.created event as main stored it before RunSpec (the kwargs were the
# request's model_dump): created through main's command handler.
OLD_RUN_CREATED = {
    "assistant_id": "fe096781-5601-53d2-b2f6-0d3403f7e9ca",
    "at": "2026-01-01T00:00:00+00:00",
    "graph_id": "agent",
    "metadata": {"tag": "x"},
    "multitask_strategy": "reject",
    "run_id": "r1",
    "temporary": False,
    "thread_id": "t1",
    "kwargs": {
        "after_seconds": 2.0,
        "checkpoint": {"checkpoint_id": "1f0-abc", "checkpoint_ns": ""},
        "checkpoint_id": "1f0-abc",
        "config": {
            "configurable": {"model": "a", "user": "u"},
            "metadata": {"assistant_id": "fe096781-5601-53d2-b2f6-0d3403f7e9ca", "tag": "x"},
            "tags": ["t"],
        },
        "context": {"lang": "fr", "tone": "dry"},
        "durability": "sync",
        "feedback_keys": ["score"],
        "input": {"messages": [{"content": "hi", "role": "user"}]},
        "interrupt_after": "*",
        "interrupt_before": ["tool"],
        "on_completion": "delete",
        "on_disconnect": "cancel",
        "stream_mode": ["values", "messages-tuple"],
        "stream_resumable": False,
        "stream_subgraphs": True,
        "webhook": "https://example.com/hook",
    },
}


def test_an_old_run_created_event_loads_as_a_typed_spec() -> None:
    event = ev.from_data("run.created", OLD_RUN_CREATED)
    assert isinstance(event, ev.RunCreated)
    spec = event.spec
    assert spec.input == {"messages": [{"content": "hi", "role": "user"}]}
    assert spec.checkpoint_id == "1f0-abc" and spec.after_seconds == 2.0
    assert spec.stream_mode == ["values", "messages-tuple"] and spec.stream_subgraphs is True
    assert spec.webhook == "https://example.com/hook" and spec.durability == "sync"
    assert spec.configurable == {"model": "a", "user": "u"}
    assert not spec.resumes


def test_an_old_event_stores_back_unchanged() -> None:
    """The webhook trigger and the runs projection read these keys."""
    assert ev.from_data("run.created", OLD_RUN_CREATED).to_data() == OLD_RUN_CREATED


def test_a_spec_round_trips_through_its_stored_shape() -> None:
    spec = RunSpec(**{f.name: _sample(f.name) for f in fields(RunSpec)})
    assert RunSpec.from_stored(spec.to_stored()) == spec
    assert set(spec.to_stored()) == {f.name for f in fields(RunSpec)}
    assert RunSpec().to_stored() == {}


def test_a_spec_loaded_from_an_event_it_stored_is_the_same() -> None:
    created = ev.RunCreated(
        at=datetime(2026, 1, 1, tzinfo=timezone.utc),
        run_id="r",
        thread_id="t",
        assistant_id="a",
        graph_id="g",
        spec=RunSpec(command=RunCommand(resume=1), after_seconds=3),
    )
    assert created.to_data()["kwargs"] == {"command": {"resume": 1}, "after_seconds": 3}
    assert ev.from_data("run.created", created.to_data()) == created


def test_a_request_maps_to_the_stored_shape_main_stored() -> None:
    """What main's RunCreate.run_kwargs() stored for the same bodies."""
    plain = RunCreate.model_validate({"assistant_id": "agent", "input": {"x": 1}})
    assert run_spec(plain).to_stored() == {
        "config": {},
        "input": {"x": 1},
        "on_completion": "delete",
        "on_disconnect": "continue",
        "stream_mode": "values",
        "stream_resumable": False,
        "stream_subgraphs": False,
    }
    resume = RunCreate.model_validate(
        {
            "assistant_id": "agent",
            "command": {"resume": "yes", "goto": "n"},
            "checkpoint_id": "c1",
            "stream_mode": "updates",
            "multitask_strategy": "rollback",
            "if_not_exists": "create",
            "metadata": {"m": 1},
        }
    )
    assert run_spec(resume).to_stored() == {
        "checkpoint_id": "c1",
        "command": {"goto": "n", "resume": "yes"},
        "config": {},
        "on_completion": "delete",
        "on_disconnect": "continue",
        "stream_mode": "updates",
        "stream_resumable": False,
        "stream_subgraphs": False,
    }
    assert run_spec(resume).resumes


def _sample(name: str) -> object:
    return {
        "stream_subgraphs": True,
        "stream_resumable": False,
        "after_seconds": 1.5,
        "command": RunCommand(update={"u": 1}, resume="<resume>", goto="<goto>"),
    }.get(name, f"<{name}>")
