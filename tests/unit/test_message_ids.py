"""Messages in an `updates` chunk get ids before it is streamed."""

from __future__ import annotations

from langchain_core.messages import AIMessage, ToolMessage

from duragraph.infrastructure.graphs.message_ids import give_message_ids


def test_a_message_without_an_id_gets_one_on_the_same_object() -> None:
    tool = ToolMessage(content="3", tool_call_id="call")
    named = AIMessage(content="", id="mine")
    give_message_ids({"tools": {"messages": [tool]}, "agent": {"messages": named}})
    assert tool.id and named.id == "mine"


def test_every_write_of_a_node_is_covered_and_other_values_are_left_alone() -> None:
    first, second = AIMessage(content="a"), AIMessage(content="b")
    chunk = {
        "node": [{"messages": [first]}, {"messages": (second,), "count": 1}],
        "__interrupt__": ({"value": "?"},),
        "empty": None,
    }
    give_message_ids(chunk)
    assert first.id and second.id and first.id != second.id
    assert chunk["node"][1]["count"] == 1 and chunk["empty"] is None
