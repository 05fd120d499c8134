"""`big_state`: `grow` writes `blob`, a text of `size` characters (input
`{"size": n}`) in which every 8-character block names its own position, so a
text put together in the wrong order differs; then `done` sets `done`."""

from typing import Any

from langgraph.graph import START, StateGraph
from typing_extensions import NotRequired, TypedDict


class State(TypedDict):
    size: int
    blob: NotRequired[str]
    done: NotRequired[bool]


def blob(size: int) -> str:
    return "".join(f"{i:08d}" for i in range(size // 8 + 1))[:size]


def grow(state: State) -> dict[str, Any]:
    return {"blob": blob(state["size"])}


def done(state: State) -> dict[str, Any]:
    return {"done": True}


graph = (
    StateGraph(State)
    .add_node(grow)
    .add_node(done)
    .add_edge(START, "grow")
    .add_edge("grow", "done")
    .compile()
)
