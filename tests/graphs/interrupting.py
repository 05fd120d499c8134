"""`interrupting`: `ask` interrupts with `{"question": ...}`; resumed with
`Command(resume=<answer>)`, it stores the answer and `greet` says hello."""

from typing import Any

from langgraph.graph import START, StateGraph
from langgraph.types import interrupt
from typing_extensions import NotRequired, TypedDict


class State(TypedDict):
    question: NotRequired[str]
    answer: NotRequired[str]
    greeting: NotRequired[str]


def ask(state: State) -> dict[str, Any]:
    answer = interrupt({"question": state.get("question") or "What is your name?"})
    return {"answer": answer}


def greet(state: State) -> dict[str, Any]:
    return {"greeting": f"Hello, {state['answer']}!"}


graph = (
    StateGraph(State)
    .add_node(ask)
    .add_node(greet)
    .add_edge(START, "ask")
    .add_edge("ask", "greet")
    .compile()
)
