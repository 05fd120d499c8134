"""`custom`: writes `{"progress": 1}`, `{"progress": 2}`, `{"progress": 3}` to
the `custom` stream, then sets `done`."""

from typing import Any

from langgraph.config import get_stream_writer
from langgraph.graph import START, StateGraph
from typing_extensions import NotRequired, TypedDict


class State(TypedDict):
    done: NotRequired[bool]


def work(state: State) -> dict[str, Any]:
    write = get_stream_writer()
    for progress in (1, 2, 3):
        write({"progress": progress})
    return {"done": True}


graph = StateGraph(State).add_node(work).add_edge(START, "work").compile()
