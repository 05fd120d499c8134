"""The legacy `messages` stream mode: token chunks are accumulated per message
id and sent as `messages/metadata`, `messages/partial` and `messages/complete`."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import BaseMessageChunk, message_chunk_to_message


class MessageAccumulator:
    def __init__(self) -> None:
        self._messages: dict[str, Any] = {}

    def feed(self, chunk: Any) -> list[tuple[str, Any]]:
        """One LangGraph `messages` chunk -> the (event, payload) pairs to send."""
        message, metadata = chunk
        out: list[tuple[str, Any]] = []
        key = message.id or str(id(message))
        if key not in self._messages:
            self._messages[key] = message
            out.append(("messages/metadata", {key: {"metadata": metadata}}))
        elif isinstance(message, BaseMessageChunk):
            self._messages[key] = self._messages[key] + message
        else:
            self._messages[key] = message
        event = "messages/partial" if isinstance(message, BaseMessageChunk) else "messages/complete"
        out.append((event, [message_chunk_to_message(self._messages[key])]))
        return out
