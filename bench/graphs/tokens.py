"""`tokens`: one node awaiting a fake chat model that streams `tokens` tokens
(run config `configurable.tokens`, default 40) `seconds / tokens` apart
(`configurable.seconds`, default 4), the first at once. Each token reads
`"{i}@{emission time} "` (time.time(), 6 decimals), so a client on the same
machine can tell each token's emission-to-arrival latency; the final AI
message is the tokens joined."""

from __future__ import annotations

import asyncio
import time
from typing import Any, AsyncIterator

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel, agenerate_from_stream
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.runnables import RunnableConfig
from langgraph.graph import START, MessagesState, StateGraph


class TimedTokens(BaseChatModel):
    tokens: int = 40
    interval: float = 0.1

    @property
    def _llm_type(self) -> str:
        return "timed-tokens"

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
        raise NotImplementedError("async only")

    async def _agenerate(
        self, messages: list[BaseMessage], *args: Any, **kwargs: Any
    ) -> ChatResult:
        return await agenerate_from_stream(self._astream(messages, *args, **kwargs))

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        for i in range(self.tokens):
            if i:
                await asyncio.sleep(self.interval)
            text = f"{i}@{time.time():.6f} "
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
            if run_manager:
                await run_manager.on_llm_new_token(text, chunk=chunk)
            yield chunk


async def respond(state: MessagesState, config: RunnableConfig) -> dict[str, Any]:
    options = config.get("configurable", {})
    tokens = int(options.get("tokens", 40))
    model = TimedTokens(tokens=tokens, interval=float(options.get("seconds", 4)) / tokens)
    return {"messages": [await model.ainvoke(state["messages"], config)]}


graph = StateGraph(MessagesState).add_node(respond).add_edge(START, "respond").compile()
