"""The pure parts of the MCP and A2A adapters: tool names and schemas, and
how A2A messages become graph input and runs become task states."""

import pytest

from duragraph.api.protocols.a2a import tasks as a2a
from duragraph.api.protocols.mcp import tools as mcp_tools
from duragraph.api.protocols.jsonrpc import RpcError


@pytest.mark.parametrize(
    "name, tool",
    [
        ("echo", "echo"),
        ("My  Echo Bot", "My_Echo_Bot"),
        (" réponse! v1.2 ", "rponse_v1.2"),
        ("x" * 200, "x" * 128),
    ],
)
def test_assistant_names_become_valid_tool_names(name: str, tool: str) -> None:
    assert mcp_tools.tool_name(name) == tool


def test_a_list_of_messages_is_offered_as_one_string_and_its_defs_go() -> None:
    schema = {
        "type": "object",
        "title": "State",
        "properties": {
            "messages": {
                "type": "array",
                "title": "Messages",
                "items": {
                    "oneOf": [{"$ref": "#/$defs/AIMessage"}, {"$ref": "#/$defs/HumanMessage"}]
                },
            },
            "extra": {"$ref": "#/$defs/Extra"},
        },
        "$defs": {"AIMessage": {}, "HumanMessage": {}, "ToolCall": {}, "Extra": {"type": "string"}},
    }
    out = mcp_tools.simplified(schema)
    assert out["properties"]["messages"]["type"] == "string"
    assert out["properties"]["extra"] == {"$ref": "#/$defs/Extra"}
    assert out["$defs"] == {"Extra": {"type": "string"}}
    assert schema["properties"]["messages"]["type"] == "array"  # the input is left alone


def test_a_schema_without_a_type_is_an_object_schema() -> None:
    assert mcp_tools.simplified({"properties": {}}) == {"type": "object", "properties": {}}


def test_text_parts_become_messages_and_data_parts_the_rest_of_the_input() -> None:
    message = {
        "role": "user",
        "messageId": "m1",
        "parts": [{"kind": "text", "text": "hi"}, {"kind": "data", "data": {"locale": "en"}}],
    }
    assert a2a.graph_input(message) == {
        "locale": "en",
        "messages": [{"role": "human", "content": "hi", "id": "m1"}],
    }


@pytest.mark.parametrize(
    "parts, code",
    [
        ([{"kind": "file", "file": {"uri": "x"}}], -32005),
        ([{"kind": "text", "text": 3}], -32602),
        ([{"kind": "data", "data": [1]}], -32602),
        (["text"], -32602),
    ],
)
def test_parts_other_than_text_and_data_objects_are_refused(parts: list, code: int) -> None:
    with pytest.raises(RpcError) as caught:
        a2a.graph_input({"role": "user", "messageId": "m", "parts": parts})
    assert caught.value.code == code


def test_a_reply_resumes_with_its_text_or_a_data_resume_value() -> None:
    text = {"role": "user", "messageId": "m", "parts": [{"kind": "text", "text": "Ada"}]}
    data = {"role": "user", "messageId": "m", "parts": [{"kind": "data", "data": {"resume": 7}}]}
    assert (a2a.resume_value(text), a2a.resume_value(data)) == ("Ada", 7)


@pytest.mark.parametrize(
    "status, outcome, state",
    [
        ("pending", None, "submitted"),
        ("running", None, "working"),
        ("success", "run.succeeded", "completed"),
        ("error", "run.failed", "failed"),
        ("success", "run.interrupted", "input-required"),
        ("interrupted", "run.cancelled", "canceled"),
        ("timeout", None, "failed"),
    ],
)
def test_run_statuses_map_to_task_states(status: str, outcome: str | None, state: str) -> None:
    assert a2a.state_of(status, outcome) == state


def test_the_answer_is_the_last_ai_message_of_the_turn_else_the_values() -> None:
    ai = {
        "type": "ai",
        "content": [{"type": "text", "text": "Hel"}, {"type": "text", "text": "lo"}],
    }
    human = {"type": "human", "content": "hi"}
    assert a2a.answer_parts({"messages": [human, ai]}) == [{"kind": "text", "text": "Hello"}]
    assert a2a.answer_parts({"messages": [ai, human]})[0]["kind"] == "data"
    assert a2a.answer_parts(3) == [{"kind": "data", "data": {"value": 3}}]
