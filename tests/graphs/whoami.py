"""`whoami`: one node that reports who the run acts for, as a graph reads it:
`runtime.server_info.user` and the config's langgraph_auth_* keys."""

from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.graph import START, StateGraph
from langgraph.runtime import Runtime
from typing_extensions import NotRequired, TypedDict


class State(TypedDict):
    seen: NotRequired[dict[str, Any]]


def whoami(state: State, config: RunnableConfig, runtime: Runtime) -> dict[str, Any]:
    configurable = config.get("configurable") or {}
    user = runtime.server_info.user if runtime.server_info else None
    return {
        "seen": {
            "server_info_identity": getattr(user, "identity", None),
            "user_id": configurable.get("langgraph_auth_user_id"),
            "permissions": configurable.get("langgraph_auth_permissions"),
            "org": getattr(configurable.get("langgraph_auth_user"), "org", None),
            "headers": {
                k: v
                for k, v in configurable.items()
                if k.startswith("x-") or k in ("authorization", "user-agent")
            },
        }
    }


graph = StateGraph(State).add_node(whoami).add_edge(START, "whoami").compile()
