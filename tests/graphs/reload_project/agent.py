"""A project the hot-reload tests copy and edit: every step records VERSION."""

import asyncio
import operator
import os
from typing import Annotated, TypedDict

from langgraph.graph import StateGraph

import reload_helpers

VERSION = 1


class State(TypedDict):
    versions: Annotated[list, operator.add]


async def step(state: State) -> dict:
    await asyncio.sleep(1)
    return {"versions": [VERSION]}


async def version(state: State) -> dict:
    return {"versions": [VERSION]}


async def helped(state: State) -> dict:  # what a module it imports says
    return {"versions": [reload_helpers.MARK]}


async def label(state: State) -> dict:  # what the project's .env says
    return {"versions": [os.environ.get("RELOAD_TEST_LABEL")]}


builder = StateGraph(State)
for number in range(4):
    builder.add_node(f"step{number}", step)
builder.add_edge("__start__", "step0")
for number in range(3):
    builder.add_edge(f"step{number}", f"step{number + 1}")
graph = builder.compile()

quick = StateGraph(State).add_node("version", version).add_edge("__start__", "version").compile()
labelled = StateGraph(State).add_node("label", label).add_edge("__start__", "label").compile()
with_helper = StateGraph(State).add_node("helped", helped).add_edge("__start__", "helped").compile()
