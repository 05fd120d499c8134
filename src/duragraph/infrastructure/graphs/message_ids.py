"""Messages in an `updates` chunk get their ids before the chunk is streamed.

LangGraph's `add_messages` gives an id to a message that has none only when the
step's writes are applied, which is after the `updates` chunk holding that
message was yielded. Giving the message its id now, on the same object the
reducer will receive, makes the id streamed the id stored, so that replaying
streamed updates (`threads.create(supersteps=...)`) rebuilds the same state.
LangGraph's own messages stream assigns ids the same way."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from langchain_core.messages import BaseMessage


def give_message_ids(chunk: Any) -> None:
    """`chunk`: `{node: writes}`, where a node's writes are a dict of channel
    values or a list of such dicts."""
    if not isinstance(chunk, dict):
        return
    for writes in chunk.values():
        for update in writes if isinstance(writes, list) else [writes]:
            if isinstance(update, dict):
                for value in update.values():
                    _give_ids(value)


def _give_ids(value: Any) -> None:
    for item in value if isinstance(value, (list, tuple)) else [value]:
        if isinstance(item, BaseMessage) and item.id is None:
            item.id = str(uuid4())
