"""`memory`: a graph that uses the long-term memory store.

Input `{"user": "ada", "remember": "text"}`: the async node `remember` puts
`{"text": ...}` under ("memories", user) with the key `note-<n>` (n = how many
it found there before), through its injected `store` parameter. Then the sync
node `recall` lists every memory of the user with `get_store()` (through the
store's thread-safe `batch`) and returns their texts, sorted, in `memories`,
and the best match of a semantic search for `query`, if given, in `best`.
"""

from typing import Any

from langgraph.config import get_store
from langgraph.graph import START, StateGraph
from langgraph.store.base import BaseStore
from typing_extensions import NotRequired, TypedDict


class State(TypedDict):
    user: str
    remember: NotRequired[str]
    query: NotRequired[str]
    memories: NotRequired[list[str]]
    best: NotRequired[str]


async def remember(state: State, *, store: BaseStore) -> dict[str, Any]:
    if state.get("remember"):
        namespace = ("memories", state["user"])
        found = await store.asearch(namespace, limit=1000)
        await store.aput(namespace, f"note-{len(found)}", {"text": state["remember"]})
    return {}


def recall(state: State) -> dict[str, Any]:
    store = get_store()
    items = store.search(("memories", state["user"]), limit=1000)
    update: dict[str, Any] = {"memories": sorted(i.value["text"] for i in items)}
    if state.get("query"):
        best = store.search(("memories", state["user"]), query=state["query"], limit=1)
        update["best"] = best[0].value["text"] if best else None
    return update


graph = (
    StateGraph(State)
    .add_node(remember)
    .add_node(recall)
    .add_edge(START, "remember")
    .add_edge("remember", "recall")
    .compile()
)
