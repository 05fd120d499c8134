"""`factory`: built per run by `make_graph(config)`. The node answers
`{"text": ...}` with `result` = the text upper-cased plus the run's
`configurable.suffix` (default "!"). With `configurable.review` set, a second
node `review` follows and appends " (reviewed)": the graph's nodes depend on
its config."""

from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.graph import START, StateGraph
from typing_extensions import NotRequired, TypedDict


class State(TypedDict):
    text: str
    result: NotRequired[str]


def make_graph(config: RunnableConfig) -> StateGraph:
    configurable = config.get("configurable", {})
    suffix = configurable.get("suffix", "!")

    def shout(state: State) -> dict[str, Any]:
        return {"result": state["text"].upper() + suffix}

    def review(state: State) -> dict[str, Any]:
        return {"result": state["result"] + " (reviewed)"}

    graph = StateGraph(State).add_node(shout).add_edge(START, "shout")
    if configurable.get("review"):
        graph.add_node(review).add_edge("shout", "review")
    return graph
