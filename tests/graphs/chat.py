"""`chat`: a fake chat model answering every message with REPLY, streamed
token by token (one token per word and per space) in `messages` mode."""

from itertools import cycle
from typing import Any

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langgraph.graph import START, MessagesState, StateGraph

REPLY = "Hello from the fake model"

model = GenericFakeChatModel(messages=cycle([REPLY]))


async def respond(state: MessagesState) -> dict[str, Any]:
    return {"messages": [await model.ainvoke(state["messages"])]}


graph = StateGraph(MessagesState).add_node(respond).add_edge(START, "respond").compile()
