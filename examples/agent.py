"""Two offline graphs for `duragraph dev`.

agent     a chat agent; its reply streams token by token
          (`client.runs.stream(..., stream_mode="messages-tuple")`)
approval  pauses with `interrupt()` until a human decides, then acts on it
          (resume with `command={"resume": "approve"}` or `"reject"`)
"""
import os
from typing import Any, Iterator

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.types import interrupt
from typing_extensions import NotRequired, TypedDict


class EchoModel(GenericFakeChatModel):
    """Stands in for an LLM so the example needs no API key. Swap in a real
    one, e.g. `init_chat_model("openai:gpt-4o-mini")`; nothing else changes."""

    messages: Iterator[Any] = iter(())  # unused: replies are computed below

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
        said = messages[-1].content if messages else ""
        turn = sum(1 for m in messages if m.type == "human")
        reply = f"{os.environ.get('AGENT_NAME', 'Agent')} heard: {said} (turn {turn})"
        return ChatResult(generations=[ChatGeneration(message=AIMessage(reply))])


model = EchoModel()


async def chat(state: MessagesState) -> dict[str, Any]:
    return {"messages": [await model.ainvoke(state["messages"])]}


agent = StateGraph(MessagesState).add_node(chat).add_edge(START, "chat").compile()


class Request(TypedDict):
    request: str
    decision: NotRequired[str]
    outcome: NotRequired[str]


def review(state: Request) -> dict[str, Any]:
    decision = interrupt({"question": f"Approve '{state['request']}'?",
                          "options": ["approve", "reject"]})
    return {"decision": decision}


def act(state: Request) -> dict[str, Any]:
    done = "done" if state["decision"] == "approve" else "not done"
    return {"outcome": f"'{state['request']}' {done} ({state['decision']})"}


approval = (StateGraph(Request).add_node(review).add_node(act)
            .add_edge(START, "review").add_edge("review", "act").compile())
