"""`failing`: its only node raises ValueError("boom"); with `{"value": "leak"}`
it raises an error whose message holds a secret (a connection string)."""

from typing import Any

from langgraph.graph import START, StateGraph
from typing_extensions import NotRequired, TypedDict


class State(TypedDict):
    value: NotRequired[Any]


class DatabaseDown(Exception):
    pass


def explode(state: State) -> dict[str, Any]:
    if state.get("value") == "leak":
        raise DatabaseDown("cannot reach postgresql://app:s3cret@db.internal/app")
    raise ValueError("boom")


graph = StateGraph(State).add_node(explode).add_edge(START, "explode").compile()
