"""`steps`: nodes `one` -> `two` -> `three`, each appending its name to `steps`.

Each node, when it starts, appends a line to the file
`$DURAGRAPH_TEST_COUNTER_DIR/<thread_id>.<node>` (if the variable is set), so a
test counts how often each node of a thread ran: `len(file.read_text().splitlines())`;
each line is the wall-clock time (`time.time()`) the execution started.
Input `{"delay": seconds}` makes every node sleep that long after counting.
"""

import asyncio
import os
import time
from operator import add
from pathlib import Path
from typing import Annotated, Any

from langchain_core.runnables import RunnableConfig
from langgraph.graph import START, StateGraph
from typing_extensions import NotRequired, TypedDict


class State(TypedDict):
    steps: NotRequired[Annotated[list[str], add]]
    delay: NotRequired[float]


def count_execution(config: RunnableConfig, node: str) -> None:
    folder = os.environ.get("DURAGRAPH_TEST_COUNTER_DIR")
    if folder:
        thread_id = config.get("configurable", {}).get("thread_id", "no-thread")
        with open(Path(folder) / f"{thread_id}.{node}", "a") as counter:
            counter.write(f"{time.time()}\n")


def step(name: str):
    async def node(state: State, config: RunnableConfig) -> dict[str, Any]:
        count_execution(config, name)
        await asyncio.sleep(state.get("delay") or 0)
        return {"steps": [name]}

    return node


graph = (
    StateGraph(State)
    .add_node("one", step("one"))
    .add_node("two", step("two"))
    .add_node("three", step("three"))
    .add_edge(START, "one")
    .add_edge("one", "two")
    .add_edge("two", "three")
    .compile()
)
