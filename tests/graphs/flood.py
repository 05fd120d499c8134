"""`flood`: writes `chunks` custom chunks of `size` characters each (input
keys; 200 of 256 KiB by default), as fast as it can: output a slow reader
cannot keep up with."""

from typing import Any

from langgraph.config import get_stream_writer
from langgraph.graph import START, StateGraph
from typing_extensions import NotRequired, TypedDict


class State(TypedDict):
    chunks: NotRequired[int]
    size: NotRequired[int]
    done: NotRequired[bool]


def work(state: State) -> dict[str, Any]:
    write = get_stream_writer()
    filler = "x" * state.get("size", 256 * 1024)
    for n in range(state.get("chunks", 200)):
        write({"n": n, "filler": filler})
    return {"done": True}


graph = StateGraph(State).add_node(work).add_edge(START, "work").compile()
