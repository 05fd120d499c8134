"""`nested`: `prepare` -> `middle` (a compiled graph: `m1` -> `inner`, itself
a compiled graph with node `i1`), declared with a context schema; every node
appends its name to `steps`."""

from typing import Any

from langgraph.graph import START, StateGraph
from typing_extensions import NotRequired, TypedDict


class State(TypedDict):
    steps: NotRequired[list[str]]


class Context(TypedDict):
    user: str


def step(name: str):
    def node(state: State) -> dict[str, Any]:
        return {"steps": [*state.get("steps", []), name]}

    return node


inner = StateGraph(State).add_node("i1", step("i1")).add_edge(START, "i1").compile(name="inner")
middle = (
    StateGraph(State)
    .add_node("m1", step("m1"))
    .add_node("inner", inner)
    .add_edge(START, "m1")
    .add_edge("m1", "inner")
    .compile(name="middle")
)
graph = (
    StateGraph(State, context_schema=Context)
    .add_node("prepare", step("prepare"))
    .add_node("middle", middle)
    .add_edge(START, "prepare")
    .add_edge("prepare", "middle")
    .compile()
)
