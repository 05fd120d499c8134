"""Channel values are stored once per (thread, namespace, channel, version)
beside the checkpoint events: a long thread does not write its whole state
again at every step, and what deletes checkpoints takes their values along."""

from __future__ import annotations

import operator
import uuid
from datetime import datetime, timezone
from typing import Annotated, TypedDict

from langchain_core.messages import AIMessage, HumanMessage
from langgraph.checkpoint.base import empty_checkpoint
from langgraph.graph import START, StateGraph
from langgraph.graph.message import add_messages
from pydantic import BaseModel

from duragraph.application.ports import StreamAppend
from duragraph.domain import events as ev
from duragraph.infrastructure.graphs.snapshots import snapshot_to_dict
from duragraph.infrastructure.postgres.checkpoints import codec
from duragraph.infrastructure.postgres.checkpoints.checkpointer import EventStoreCheckpointer
from duragraph.infrastructure.postgres.event_store import PostgresEventStore
from duragraph.infrastructure.postgres.rebuild import rebuild_projections

CALLS = [{"name": "search", "args": {"q": "x"}, "id": "c1"}]
BOOK = ["a long page of the book " * 40] * 50  # about 50 kB, set once


class State(TypedDict):
    book: list[str]
    log: Annotated[list[str], operator.add]


def three_steps():
    g = StateGraph(State)
    for name in ("one", "two", "three"):
        g.add_node(name, lambda state, name=name: {"log": [name]})
    g.add_edge(START, "one")
    g.add_edge("one", "two")
    g.add_edge("two", "three")
    return g


def config(thread_id: str) -> dict:
    return {"configurable": {"thread_id": thread_id}}


# The plain checkpointer appends each write on its own; one at a time.
SYNC = {"durability": "sync"}


async def scalar(pool, sql: str, *params):
    async with pool.connection() as conn:
        return (await (await conn.execute(sql, params)).fetchone())[0]


async def blob_count(pool, thread_id: str, channel: str | None = None) -> int:
    return await scalar(
        pool,
        "SELECT count(*) FROM checkpoint_blobs "
        "WHERE thread_id = %s AND channel = coalesce(%s, channel)",
        thread_id,
        channel,
    )


async def run_twice(pool, thread_id: str):
    saver = EventStoreCheckpointer(PostgresEventStore(pool))
    graph = three_steps().compile(checkpointer=saver)
    await graph.ainvoke({"book": BOOK, "log": []}, config(thread_id), **SYNC)
    await graph.ainvoke({"log": ["again"]}, config(thread_id), **SYNC)
    return saver, graph


async def test_a_channel_no_step_changes_is_stored_once_for_all_its_checkpoints(pool):
    thread_id = str(uuid.uuid4())
    saver, graph = await run_twice(pool, thread_id)

    checkpoints = [c async for c in saver.alist(config(thread_id))]
    assert len(checkpoints) == 10
    assert await blob_count(pool, thread_id, "book") == 1
    stored = await scalar(
        pool, "SELECT octet_length(blob) FROM checkpoint_blobs WHERE channel = 'book'"
    )
    assert stored < len("".join(BOOK)) / 10  # compressed
    assert all(c.checkpoint["channel_values"]["book"] == BOOK for c in checkpoints[:-1])
    events_bytes = await scalar(
        pool,
        "SELECT sum(octet_length(data::text)) FROM events WHERE stream_id = %s",
        codec.stream_of(thread_id),
    )
    # Once (base64) in the pending write of the input's task; in no checkpoint.
    assert events_bytes < 2 * len("".join(BOOK))
    state = await graph.aget_state(config(thread_id))
    assert state.values["book"] == BOOK
    assert state.values["log"] == ["one", "two", "three", "again", "one", "two", "three"]


async def test_deleting_a_runs_checkpoints_drops_only_the_values_no_other_checkpoint_uses(pool):
    thread_id = str(uuid.uuid4())
    saver = EventStoreCheckpointer(PostgresEventStore(pool))
    graph = three_steps().compile(checkpointer=saver)
    first, second = {"run_id": "first"}, {"run_id": "second"}
    await graph.ainvoke({"book": BOOK, "log": []}, {**config(thread_id), "metadata": first}, **SYNC)
    kept_logs = await blob_count(pool, thread_id, "log")
    await graph.ainvoke({"log": ["again"]}, {**config(thread_id), "metadata": second}, **SYNC)
    assert await blob_count(pool, thread_id, "log") > kept_logs

    await saver.adelete_for_runs(["second"])

    assert await blob_count(pool, thread_id, "log") == kept_logs
    assert await blob_count(pool, thread_id, "book") == 1  # the first run's checkpoints use it
    state = await graph.aget_state(config(thread_id))
    assert state.values == {"book": BOOK, "log": ["one", "two", "three"]}

    await saver.adelete_thread(thread_id)
    assert await blob_count(pool, thread_id) == 0


async def test_a_copied_thread_keeps_its_values_when_the_source_is_deleted(pool):
    source, target = str(uuid.uuid4()), str(uuid.uuid4())
    saver, graph = await run_twice(pool, source)

    await saver.acopy_thread(source, target)
    await saver.adelete_thread(source)

    assert await blob_count(pool, source) == 0
    assert await blob_count(pool, target, "book") == 1
    history = [c async for c in saver.alist(config(target))]
    assert len(history) == 10
    assert (await graph.aget_state(config(target))).values["book"] == BOOK


async def test_keeping_only_the_latest_checkpoint_keeps_its_values_and_drops_the_rest(pool):
    thread_id = str(uuid.uuid4())
    saver, graph = await run_twice(pool, thread_id)

    await saver.aprune([thread_id], strategy="keep_latest")

    assert await blob_count(pool, thread_id) == 2  # the book and the latest log
    state = await graph.aget_state(config(thread_id))
    assert state.values["book"] == BOOK
    assert state.values["log"][-3:] == ["one", "two", "three"]


def plain_saved(saver, thread_id: str, checkpoint, **extra) -> ev.CheckpointSaved:
    """A checkpoint's event as stored before checkpoints were compressed."""
    type_, blob = saver.serde.dumps_typed(checkpoint)
    return ev.CheckpointSaved(
        at=datetime.now(timezone.utc),
        thread_id=thread_id,
        checkpoint_ns="",
        checkpoint_id=checkpoint["id"],
        parent_checkpoint_id=None,
        checkpoint={"type": type_, "blob": codec._b64(blob)},
        metadata={"source": "input", "step": -1},
        **extra,
    )


async def test_checkpoints_saved_with_their_values_inline_still_read_after_a_rebuild(pool):
    """Events written before blobs existed carry the whole checkpoint."""
    thread_id = str(uuid.uuid4())
    store = PostgresEventStore(pool)
    saver = EventStoreCheckpointer(store)
    checkpoint = empty_checkpoint()
    checkpoint["channel_values"] = {"book": BOOK, "log": []}
    checkpoint["channel_versions"] = {"book": "1", "log": "1"}
    old = plain_saved(saver, thread_id, checkpoint)
    await store.append([StreamAppend(codec.stream_of(thread_id), None, [old])])
    assert "blob_versions" not in old.to_data()

    await rebuild_projections(pool)

    found = await saver.aget_tuple(config(thread_id))
    assert found is not None
    assert found.checkpoint["channel_values"] == {"book": BOOK, "log": []}
    assert await blob_count(pool, thread_id) == 0

    # A run after the upgrade leaves the book unchanged: it still reads back.
    graph = three_steps().compile(checkpointer=EventStoreCheckpointer(store))
    await graph.ainvoke({"log": ["later"]}, config(thread_id), **SYNC)
    assert (await graph.aget_state(config(thread_id))).values["book"] == BOOK


class Note(BaseModel):
    text: str
    at: datetime


class Chat(TypedDict):
    messages: Annotated[list, add_messages]
    note: Note
    tags: set[str]
    when: datetime
    ident: uuid.UUID


async def test_state_read_for_json_equals_the_state_read_as_objects(pool):
    """The thread-state reader skips rebuilding objects; its JSON is the same."""
    thread_id = str(uuid.uuid4())
    saver = EventStoreCheckpointer(PostgresEventStore(pool))
    g = StateGraph(Chat)
    g.add_node("answer", lambda s: {"messages": [AIMessage("hi", tool_calls=CALLS)]})
    g.add_edge(START, "answer")
    values = {
        "messages": [HumanMessage("hello", id="m1")],
        "note": Note(text="n", at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)),
        "tags": {"a"},
        "when": datetime(2026, 5, 6, tzinfo=timezone.utc),
        "ident": uuid.UUID(int=7),
    }
    await g.compile(checkpointer=saver).ainvoke(values, config(thread_id), **SYNC)

    as_objects = await g.compile(checkpointer=saver).aget_state(config(thread_id))
    for_json = await g.compile(checkpointer=saver.for_json_reads()).aget_state(config(thread_id))

    assert snapshot_to_dict(for_json) == snapshot_to_dict(as_objects)
    assert for_json.values["messages"][1]["tool_calls"][0]["name"] == "search"


async def test_checkpoints_and_writes_stored_uncompressed_before_still_read(pool):
    """Before checkpoints and writes were compressed, their events held plain
    msgpack; those load as they are, beside new ones stored compressed."""
    thread_id = str(uuid.uuid4())
    store = PostgresEventStore(pool)
    saver = EventStoreCheckpointer(store)
    checkpoint = empty_checkpoint()
    checkpoint["channel_versions"] = {f"branch:to:node{i}": f"{i:032}.0.5" for i in range(8)}
    blob = saver.serde.dumps_typed(checkpoint)[1]
    reply = AIMessage("a long answer " * 40, id="m1")
    write_type, write = saver.serde.dumps_typed([reply])
    assert len(blob) > codec.COMPRESS_ABOVE and len(write) > codec.COMPRESS_ABOVE
    old = [
        plain_saved(saver, thread_id, checkpoint, blob_versions={}),
        ev.WritesSaved(
            at=datetime.now(timezone.utc),
            thread_id=thread_id,
            checkpoint_ns="",
            checkpoint_id=checkpoint["id"],
            task_id="t1",
            task_path="",
            writes=[[0, "messages", write_type, codec._b64(write)]],
        ),
    ]
    await store.append([StreamAppend(codec.stream_of(thread_id), None, old)])

    found = await saver.aget_tuple(config(thread_id))
    assert found is not None
    assert found.checkpoint["channel_versions"] == checkpoint["channel_versions"]
    assert found.pending_writes == [("t1", "messages", [reply])]

    # The same checkpoint and write saved now are stored compressed, and read the same.
    again = str(uuid.uuid4())
    written = await saver.aput(config(again), checkpoint, {"source": "input", "step": -1}, {})
    await saver.aput_writes(written, [("messages", [reply])], "t1")
    types = await scalar(
        pool,
        "SELECT array_agg(type ORDER BY checkpoint_id) FROM ("
        "  SELECT type, checkpoint_id FROM checkpoints WHERE thread_id = %s"
        "  UNION ALL SELECT type, checkpoint_id FROM checkpoint_writes WHERE thread_id = %s) t",
        again,
        again,
    )
    assert types == ["msgpack+zlib", "msgpack+zlib"]
    read = await saver.aget_tuple(config(again))
    assert read is not None
    assert read.checkpoint["channel_versions"] == checkpoint["channel_versions"]
    assert read.pending_writes == [("t1", "messages", [reply])]
