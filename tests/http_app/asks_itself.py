"""`asks_itself`: a node that calls the server it runs in, through
`get_client()` with no URL (reads its thread, runs `echo` as a sub-agent),
and reads what the custom app's lifespan set up."""

from typing import Any

from langgraph.graph import START, StateGraph
from langgraph_sdk import get_client
from typing_extensions import TypedDict

import setup_state


class State(TypedDict, total=False):
    thread_id: str
    seen: dict[str, Any]


# Made at import, before the server's app exists, as the SDK's docs show it.
client = get_client(url=None)


async def ask(state: State) -> dict[str, Any]:
    thread = await client.threads.get(state["thread_id"])
    echoed = await client.runs.wait(None, "echo", input={"value": 7})  # a sub-agent
    return {
        "seen": {
            "thread_status": thread["status"],
            "echoed": echoed["value"],
            "setup": setup_state.SETUP.get("by"),
        }
    }


graph = StateGraph(State).add_node(ask).add_edge(START, "ask").compile()
