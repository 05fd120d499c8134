"""LangGraph's checkpointer conformance suite (langgraph-checkpoint-conformance)
against EventStoreCheckpointer on a real, freshly migrated database.

The suite is driven the way its `validate` module intends: a factory
registered with `checkpointer_test`, run for every capability, giving a
report. Each capability gets a fresh checkpointer; the specs use random
thread ids, so they share the test's database safely."""

from __future__ import annotations

from langgraph.checkpoint.conformance import checkpointer_test, validate
from langgraph.checkpoint.conformance.capabilities import ALL_CAPABILITIES
from langgraph.checkpoint.conformance.report import ProgressCallbacks

from duragraph.infrastructure.postgres.checkpoints.checkpointer import EventStoreCheckpointer
from duragraph.infrastructure.postgres.event_store import PostgresEventStore


async def test_the_checkpointer_passes_every_langgraph_conformance_check(pool):
    store = PostgresEventStore(pool)

    @checkpointer_test(name="EventStoreCheckpointer")
    async def event_store_checkpointer():
        yield EventStoreCheckpointer(store)

    report = await validate(event_store_checkpointer, progress=ProgressCallbacks.verbose())
    report.print_report()

    failures = {name: r.failures for name, r in report.results.items() if r.failures}
    not_detected = {c.value for c in ALL_CAPABILITIES} - {
        name for name, r in report.results.items() if r.detected
    }
    assert not failures, failures
    assert not not_detected, f"capabilities not implemented: {sorted(not_detected)}"
    assert report.passed_all_base() and report.conformance_level() == "FULL"
    assert all(r.tests_passed > 0 for r in report.results.values())
