"""Assistants as MCP tools: a tool's name, its description, and an input
schema a model can fill in (a list of LangChain messages becomes one string,
which the graph's `messages` reducer takes as a human message)."""

from __future__ import annotations

import copy
import re
from typing import Any

_MESSAGE_TYPES = {
    f"{kind}Message{chunk}"
    for kind in ("AI", "Human", "Chat", "System", "Function", "Tool")
    for chunk in ("", "Chunk")
}
_MESSAGE_PARTS = {
    "ToolCall",
    "ToolCallChunk",
    "InvalidToolCall",
    "UsageMetadata",
    "InputTokenDetails",
    "OutputTokenDetails",
}
_NOT_IN_NAME = re.compile(r"[^a-zA-Z0-9_.\-]")
MAX_NAME = 128  # MCP tool names: ^[a-zA-Z0-9_.-]{1,128}$


def tool_name(assistant_name: str) -> str:
    return _NOT_IN_NAME.sub("", re.sub(r"\s+", "_", assistant_name.strip()))[:MAX_NAME]


def tool(assistant: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    name = assistant["name"]
    return {
        "name": tool_name(name),
        "title": name,
        "description": assistant.get("description") or f"Tool based on the {name} assistant",
        "inputSchema": simplified(schema),
        "annotations": {
            "readOnlyHint": False,
            "destructiveHint": False,
            "idempotentHint": False,
            "openWorldHint": True,
        },
    }


def simplified(schema: dict[str, Any]) -> dict[str, Any]:
    schema = {"type": "object", **copy.deepcopy(schema)}
    defs = schema.get("$defs") or {}
    if not _MESSAGE_TYPES & set(defs):
        return schema
    for key, prop in (schema.get("properties") or {}).items():
        if _lists_messages(prop):
            schema["properties"][key] = {
                "type": "string",
                "title": prop.get("title", key),
                "description": "The user message to send to the agent.",
            }
    for name in _MESSAGE_TYPES | _MESSAGE_PARTS:
        defs.pop(name, None)
    if not defs:
        schema.pop("$defs", None)
    return schema


def _lists_messages(prop: dict[str, Any]) -> bool:
    items = (prop.get("items") or {}) if prop.get("type") == "array" else {}
    refs = [c.get("$ref", "") for c in items.get("oneOf") or items.get("anyOf") or []]
    return any(ref.removeprefix("#/$defs/") in _MESSAGE_TYPES for ref in refs)
