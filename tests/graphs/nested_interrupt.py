"""`nested_interrupt`: `intro` -> `child` (a subgraph: `ask`, which
interrupts, -> `thank`); resumed with an answer, `child` finishes."""

from typing import Any

from langgraph.graph import START, StateGraph
from langgraph.types import interrupt
from typing_extensions import NotRequired, TypedDict


class State(TypedDict):
    steps: NotRequired[list[str]]
    answer: NotRequired[str]


def intro(state: State) -> dict[str, Any]:
    return {"steps": ["intro"]}


def ask(state: State) -> dict[str, Any]:
    return {"answer": interrupt("Your name?"), "steps": [*state.get("steps", []), "ask"]}


def thank(state: State) -> dict[str, Any]:
    return {"steps": [*state.get("steps", []), "thank"]}


child = (
    StateGraph(State)
    .add_node(ask)
    .add_node(thank)
    .add_edge(START, "ask")
    .add_edge("ask", "thank")
    .compile(name="child")
)

graph = (
    StateGraph(State)
    .add_node(intro)
    .add_node("child", child)
    .add_edge(START, "intro")
    .add_edge("intro", "child")
    .compile()
)
