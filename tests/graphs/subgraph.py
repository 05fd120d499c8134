"""`subgraph`: `before` -> `child` (a compiled graph: `inner_one` ->
`inner_two`) -> `after`; every node appends its name to `steps`, so the
result is ["before", "inner_one", "inner_two", "after"]."""

from typing import Any

from langgraph.graph import START, StateGraph
from typing_extensions import NotRequired, TypedDict


class State(TypedDict):
    # No reducer: the child returns the whole list, which replaces the parent's.
    steps: NotRequired[list[str]]


def step(name: str):
    def node(state: State) -> dict[str, Any]:
        return {"steps": [*state.get("steps", []), name]}

    return node


child = (
    StateGraph(State)
    .add_node("inner_one", step("inner_one"))
    .add_node("inner_two", step("inner_two"))
    .add_edge(START, "inner_one")
    .add_edge("inner_one", "inner_two")
    .compile(name="child")
)

graph = (
    StateGraph(State)
    .add_node("before", step("before"))
    .add_node("child", child)
    .add_node("after", step("after"))
    .add_edge(START, "before")
    .add_edge("before", "child")
    .add_edge("child", "after")
    .compile()
)
