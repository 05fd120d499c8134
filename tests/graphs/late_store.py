"""`late_store`: one sync node that works `sleep` seconds (a thread a
cancelled run does not stop), then puts `{"pid": <its process>}` under
("late", <thread id>) with the key `writer`: which executor's write landed."""

import os
import time
from typing import Any

from langgraph.config import get_config, get_store
from langgraph.graph import START, StateGraph
from typing_extensions import NotRequired, TypedDict


class State(TypedDict):
    sleep: NotRequired[float]


def work(state: State) -> dict[str, Any]:
    time.sleep(float(state.get("sleep") or 0))
    thread_id = get_config()["configurable"]["thread_id"]
    get_store().put(("late", thread_id), "writer", {"pid": os.getpid()})
    return {}


graph = StateGraph(State).add_node(work).add_edge(START, "work").compile()
