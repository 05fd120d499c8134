"""Stored run chunks -> protocol v2 events: a pure translation."""

from __future__ import annotations

import orjson

from duragraph.api.protocols.v2.events import FANOUT, Filter, Translator, Tree, split_since


def translate(translator: Translator, event: str, payload) -> list:
    return translator.translate(event, orjson.dumps(payload))


def chunk(content: str, position=None, kind="AIMessageChunk") -> list:
    return [
        {"type": kind, "id": "m1", "content": content, "chunk_position": position},
        {"langgraph_node": "respond"},
    ]


def test_a_run_begins_and_ends_with_lifecycle_events() -> None:
    t = Translator()
    assert translate(t, "metadata", {"run_id": "r"}) == [
        ("lifecycle", [], {"event": "running"}, None)
    ]
    assert translate(t, "end", {"status": "success"}) == [
        ("lifecycle", [], {"event": "completed"}, None)
    ]


def test_a_failed_run_ends_with_the_error_message() -> None:
    t = Translator()
    assert translate(t, "error", {"error": "ValueError", "message": "boom"}) == []
    assert translate(t, "end", {"status": "error"}) == [
        ("lifecycle", [], {"event": "failed", "error": "boom"}, None)
    ]


def test_updates_become_one_event_per_node_and_interrupts_input_requests() -> None:
    events = translate(
        Translator(),
        "updates|child:1",
        {"a": {"x": 1}, "__interrupt__": [{"id": "i1", "value": {"q": "?"}}]},
    )
    assert events == [
        ("updates", ["child:1"], {"node": "a", "values": {"x": 1}}, "a"),
        (
            "input.requested",
            ["child:1"],
            {"interrupt_id": "i1", "value": {"q": "?"}, "payload": {"q": "?"}},
            None,
        ),
    ]


def test_token_chunks_become_a_started_growing_and_finished_message() -> None:
    t = Translator()
    first = translate(t, "messages", chunk("Hel"))
    last = translate(t, "messages", chunk("lo", "last"))
    kinds = [data["event"] for _, _, data, _ in first + last]
    assert kinds == [
        "message-start",
        "content-block-start",
        "content-block-delta",
        "content-block-delta",
        "content-block-finish",
        "message-finish",
    ]
    assert all(data["message_id"] == "m1" for _, _, data, _ in first + last)
    assert last[1][2]["content"] == {"type": "text", "text": "Hello"}


def test_an_unfinished_message_is_finished_when_the_run_ends() -> None:
    t = Translator()
    translate(t, "messages", chunk("Hi"))
    kinds = [data["event"] for _, _, data, _ in translate(t, "end", {"status": "success"})]
    assert kinds == ["content-block-finish", "message-finish", "completed"]


def test_modes_outside_the_protocol_are_dropped() -> None:
    assert translate(Translator(), "events", {"event": "on_chain_start"}) == []
    assert translate(Translator(), "debug", {"type": "task"}) == []


def test_since_names_a_chunk_and_the_events_of_it_already_seen() -> None:
    assert split_since(None) == (0, 0)
    assert split_since(42 * FANOUT) == (42, 1)
    assert split_since(42 * FANOUT + 2) == (42, 3)


def test_filters_match_channels_and_namespace_prefixes_within_a_depth() -> None:
    root_only = Filter(frozenset({"values", "input"}), ((),), 0)
    assert root_only.wants("values", [])
    assert root_only.wants("input.requested", [])
    assert not root_only.wants("values", ["child:1"])
    assert not root_only.wants("updates", [])
    child = Filter(frozenset({"values"}), (("child:1",),), None)
    assert child.wants("values", ["child:1", "grand:2"])
    assert not child.wants("values", ["other:3"])
    assert Filter(frozenset({"values"})).wants("values", ["a", "b"])


def test_tool_events_pass_through_and_tool_messages_stay_off_the_messages_channel() -> None:
    t = Translator()
    started = {"event": "tool-started", "tool_call_id": "c1", "tool_name": "add", "input": {"a": 1}}
    delta = {"event": "tool-output-delta", "tool_call_id": "c1", "delta": "1 +"}
    assert translate(t, "tools", started) == [("tools", [], started, None)]
    assert translate(t, "tools|child:1", delta) == [("tools", ["child:1"], delta, None)]
    assert (
        translate(
            t,
            "messages",
            [
                {"type": "tool", "id": "t1", "name": "add", "tool_call_id": "c1", "content": "3"},
                {"langgraph_node": "tools"},
            ],
        )
        == []
    )


def test_values_wait_for_their_checkpoint_only_in_runs_that_stream_checkpoints() -> None:
    t = Translator()
    assert translate(t, "values", {"x": 1}) == [("values", [], {"x": 1}, None)]
    checkpoint = {"checkpoint": {"checkpoint_id": "c1", "checkpoint_ns": ""}, "metadata": {}}
    t.events("checkpoints", orjson.dumps(checkpoint))
    assert t.events("values", orjson.dumps({"x": 2})) == []
    released = t.events(
        "checkpoints",
        orjson.dumps({**checkpoint, "checkpoint": {"checkpoint_id": "c2", "checkpoint_ns": ""}}),
    )
    assert released[0] == (("values", [], {"x": 2}, None), {"id": "c2", "ns": ""})
    t.events("values", orjson.dumps({"x": 3}))
    assert t.events("end", orjson.dumps({"status": "success"}))[0] == (
        ("values", [], {"x": 3}, None),
        None,
    )


def test_the_tree_closes_a_subgraph_on_its_parents_update_and_all_on_the_end() -> None:
    tree = Tree("g")
    tree.feed("lifecycle", [], {"event": "running"})
    tree.feed("updates", ["child:1", "inner:2"], {"node": "a"})
    tree.feed("updates", ["other:3"], {"node": "b"})
    tree.feed("updates", [], {"node": "child"})
    assert tree.node() == {
        "namespace": [],
        "status": "running",
        "graph_name": "g",
        "children": [
            {
                "namespace": ["child:1"],
                "status": "completed",
                "graph_name": "child",
                "children": [
                    {
                        "namespace": ["child:1", "inner:2"],
                        "status": "completed",
                        "graph_name": "inner",
                    }
                ],
            },
            {"namespace": ["other:3"], "status": "started", "graph_name": "other"},
        ],
    }
    tree.feed("lifecycle", [], {"event": "interrupted"})
    assert tree.status == {
        (): "interrupted",
        ("child:1",): "completed",
        ("child:1", "inner:2"): "completed",
        ("other:3",): "interrupted",
    }
