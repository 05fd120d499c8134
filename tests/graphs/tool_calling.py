"""`tool_calling`: `agent` asks for two tools at once (`add`, which answers,
and `divide`, which fails on a zero divisor), `tools` (a ToolNode) runs
them; their results come back as tool messages. `add` is slow and streams
its progress: "1 + 2", a second of work, then " = 3"."""

import time
from typing import Any

from langchain_core.messages import AIMessage
from langchain_core.tools import tool
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, ToolRuntime

ADD_SECONDS = 1.0


@tool
def add(a: int, b: int, runtime: ToolRuntime) -> int:
    """Add two numbers."""
    runtime.emit_output_delta(f"{a} + {b}")
    time.sleep(ADD_SECONDS)
    runtime.emit_output_delta(f" = {a + b}")
    return a + b


@tool
def divide(a: int, b: int) -> float:
    """Divide a by b."""
    return a / b


def agent(state: MessagesState) -> dict[str, Any]:
    return {
        "messages": [
            AIMessage(
                content="",
                id="ai-1",
                tool_calls=[
                    {"name": "add", "args": {"a": 1, "b": 2}, "id": "call_add"},
                    {"name": "divide", "args": {"a": 1, "b": 0}, "id": "call_divide"},
                ],
            )
        ]
    }


tools = ToolNode([add, divide], handle_tool_errors=True)
graph = (
    StateGraph(MessagesState)
    .add_node(agent)
    .add_node("tools", tools)
    .add_edge(START, "agent")
    .add_edge("agent", "tools")
    .add_edge("tools", END)
    .compile()
)
