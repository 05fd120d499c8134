"""Assistant command handlers decide on the in-memory event store: no PostgreSQL."""

import pytest

from duragraph.application.commands.assistants import (
    CreateAssistant,
    UpdateAssistant,
    create_assistant,
    default_assistant_id,
    delete_assistant_and_threads,
    ensure_default_assistants,
    restore_version,
    update_assistant,
)
from duragraph.application.commands.threads import CreateThread, create_thread
from duragraph.domain.assistant import Assistant
from duragraph.domain.errors import AlreadyExists, NotFound
from duragraph.domain.thread import Thread
from duragraph.infrastructure.inprocess.event_store import MemoryEventStore
from fakes import FixedClock, Graphs, event_names

GRAPHS = Graphs("agent", "other")


@pytest.fixture
def store() -> MemoryEventStore:
    return MemoryEventStore()


async def created(store, **fields) -> str:
    cmd = CreateAssistant(
        graph_id="agent",
        assistant_id="a1",
        name="first",
        config={"c": 1},
        metadata={"m": 1},
        **fields,
    )
    return await create_assistant(cmd, store, FixedClock(), GRAPHS)


async def update(store, **fields) -> None:
    await update_assistant(
        UpdateAssistant(assistant_id="a1", **fields), store, FixedClock(), GRAPHS
    )


async def test_an_assistant_of_an_unknown_graph_is_not_found(store):
    with pytest.raises(NotFound):
        await create_assistant(CreateAssistant(graph_id="nope"), store, FixedClock(), GRAPHS)
    assert store.log == []


async def test_an_assistant_starts_at_version_one(store):
    await created(store)
    assistant = await store.load(Assistant, "a1")
    assert (assistant.latest_version, assistant.current["assistant_name"]) == (1, "first")


async def test_creating_an_existing_assistant_is_refused_unless_asked_to_do_nothing(store):
    await created(store)
    with pytest.raises(AlreadyExists):
        await created(store)
    assert await created(store, if_exists="do_nothing") == "a1"
    assert event_names(store, "assistant-a1") == ["assistant.created"]


async def test_each_update_makes_the_next_version_from_the_current_one(store):
    await created(store)
    await update(store, name="second", metadata={"n": 2})
    await update(store, graph_id="other")
    assistant = await store.load(Assistant, "a1")
    assert assistant.latest_version == 3
    assert assistant.current == {
        "graph_id": "other",
        "assistant_name": "second",
        "description": None,
        "config": {"c": 1},
        "context": {},
        "metadata": {"m": 1, "n": 2},
    }
    assert assistant.versions[1]["assistant_name"] == "first"


async def test_an_update_to_an_unknown_graph_or_of_an_unknown_assistant_is_not_found(store):
    await created(store)
    with pytest.raises(NotFound):
        await update(store, graph_id="nope")
    with pytest.raises(NotFound):
        await update_assistant(
            UpdateAssistant(assistant_id="a9", name="x"), store, FixedClock(), GRAPHS
        )
    assert event_names(store, "assistant-a1") == ["assistant.created"]


async def test_restoring_a_version_makes_it_current_without_a_new_version(store):
    await created(store)
    await update(store, name="second")
    await restore_version("a1", 1, store, FixedClock())
    assistant = await store.load(Assistant, "a1")
    assert (assistant.latest_version, assistant.current["assistant_name"]) == (2, "first")
    with pytest.raises(NotFound):
        await restore_version("a1", 7, store, FixedClock())


async def test_default_assistants_are_created_once_per_graph(store):
    await ensure_default_assistants(store, FixedClock(), GRAPHS)
    await ensure_default_assistants(store, FixedClock(), GRAPHS)
    for graph_id in ("agent", "other"):
        stream = f"assistant-{default_assistant_id(graph_id)}"
        assert event_names(store, stream) == ["assistant.created"]


async def test_deleting_an_assistant_with_its_threads_skips_threads_already_gone(store):
    await created(store)
    await create_thread(CreateThread(thread_id="t1"), store, FixedClock())
    await delete_assistant_and_threads("a1", ["t1", "gone"], store, FixedClock())
    thread, assistant = await store.load_many((Thread, "t1"), (Assistant, "a1"))
    assert thread.deleted and assistant.deleted
