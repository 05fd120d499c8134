"""`slow`: one node that sleeps `sleep` seconds in short steps (so a cancel
lands promptly), then sets `done`. `value` passes through unchanged."""

import asyncio
import time
from typing import Any

from langgraph.graph import START, StateGraph
from typing_extensions import NotRequired, TypedDict


class State(TypedDict):
    sleep: NotRequired[float]
    value: NotRequired[Any]
    done: NotRequired[bool]


async def nap(state: State) -> dict[str, Any]:
    deadline = time.monotonic() + float(state.get("sleep") or 0)
    while time.monotonic() < deadline:
        await asyncio.sleep(min(0.05, max(0.0, deadline - time.monotonic())))
    return {"done": True}


graph = StateGraph(State).add_node(nap).add_edge(START, "nap").compile()
