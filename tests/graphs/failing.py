"""`failing`: its only node raises ValueError("boom")."""
from typing import Any

from langgraph.graph import START, StateGraph
from typing_extensions import NotRequired, TypedDict


class State(TypedDict):
    value: NotRequired[Any]


def explode(state: State) -> dict[str, Any]:
    raise ValueError("boom")


graph = StateGraph(State).add_node(explode).add_edge(START, "explode").compile()
