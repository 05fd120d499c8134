"""`chat_turns`: one node answering every human message with REPLY (about
40 words) from a fake chat model; the thread's messages grow by two per turn."""

from itertools import cycle
from typing import Any

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langgraph.graph import START, MessagesState, StateGraph

REPLY = (
    "Thanks for the question. Here is a short answer from the fake model: the thread "
    "keeps every message, so its state grows by one human and one assistant message "
    "per turn, and storage must keep pace without surprises for the people running it."
)

model = GenericFakeChatModel(messages=cycle([REPLY]))  # a new message each time


async def answer(state: MessagesState) -> dict[str, Any]:
    return {"messages": [await model.ainvoke(state["messages"])]}


builder = StateGraph(MessagesState).add_node(answer).add_edge(START, "answer")
graph = builder.compile()
