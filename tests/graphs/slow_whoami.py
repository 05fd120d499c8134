"""`slow_whoami`: `slow`'s nap (`sleep` seconds), then `whoami`'s report of
who the run acts for: a run to kill mid-way and see recovered as its caller."""

from typing import Any

from langgraph.graph import START, StateGraph
from typing_extensions import NotRequired, TypedDict

from slow import nap
from whoami import whoami


class State(TypedDict):
    sleep: NotRequired[float]
    done: NotRequired[bool]
    seen: NotRequired[dict[str, Any]]


graph = (
    StateGraph(State)
    .add_node(nap)
    .add_node(whoami)
    .add_edge(START, "nap")
    .add_edge("nap", "whoami")
    .compile()
)
