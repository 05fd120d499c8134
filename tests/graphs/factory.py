"""`factory`: built per run by `make_graph(config)`. The node answers
`{"text": ...}` with `result` = the text upper-cased plus the run's
`configurable.suffix` (default "!")."""
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.graph import START, StateGraph
from typing_extensions import NotRequired, TypedDict


class State(TypedDict):
    text: str
    result: NotRequired[str]


def make_graph(config: RunnableConfig) -> StateGraph:
    suffix = config.get("configurable", {}).get("suffix", "!")

    def shout(state: State) -> dict[str, Any]:
        return {"result": state["text"].upper() + suffix}

    return StateGraph(State).add_node(shout).add_edge(START, "shout")
