"""`echo`: one node that answers the last message with its own text (the
benchmark graph). Input `{"messages": [...]}` and/or `{"value": ...}`; `value`
passes through unchanged."""

from typing import Annotated, Any

from langchain_core.messages import AIMessage, AnyMessage
from langgraph.graph import START, StateGraph
from langgraph.graph.message import add_messages
from typing_extensions import NotRequired, TypedDict


class State(TypedDict):
    messages: NotRequired[Annotated[list[AnyMessage], add_messages]]
    value: NotRequired[Any]


def echo(state: State) -> dict[str, Any]:
    messages = state.get("messages") or []
    if not messages:
        return {}
    return {"messages": [AIMessage(content=messages[-1].content)]}


graph = StateGraph(State).add_node(echo).add_edge(START, "echo").compile()
