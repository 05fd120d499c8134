"""A2A (v0.3 JSON-RPC binding) shapes: a message's parts become the graph's
input; a run becomes a Task whose state follows the run's status and whose
artifact carries the graph's answer."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from ....domain.statuses import RunStatus
from ..jsonrpc import INVALID_PARAMS, RpcError

CONTENT_TYPE_NOT_SUPPORTED = -32005
TASK_NOT_FOUND = -32001
TASK_NOT_CANCELABLE = -32002
UNSUPPORTED_OPERATION = -32004

_BY_STATUS: dict[str, str] = {
    RunStatus.pending: "submitted",
    RunStatus.running: "working",
    RunStatus.success: "completed",
    RunStatus.error: "failed",
    RunStatus.timeout: "failed",
}
# The run's terminal event tells an interrupt() (the graph asks for input)
# from a success (the runs table calls both "success").
_BY_OUTCOME = {
    "run.succeeded": "completed",
    "run.interrupted": "input-required",
    "run.failed": "failed",
    "run.cancelled": "canceled",
}
FINAL = ("completed", "input-required", "failed", "canceled")


def state_of(status: str, outcome_kind: str | None = None) -> str:
    if outcome_kind in _BY_OUTCOME:
        return _BY_OUTCOME[outcome_kind]
    return _BY_STATUS.get(status, "submitted")


def now() -> str:
    return datetime.now(UTC).isoformat()


# -- the request -----------------------------------------------------------


def checked_message(params: dict[str, Any]) -> dict[str, Any]:
    message = params.get("message")
    if not isinstance(message, dict):
        raise RpcError(INVALID_PARAMS, "params.message is required and must be an object")
    if not isinstance(message.get("messageId"), str) or not message["messageId"]:
        raise RpcError(INVALID_PARAMS, "message.messageId is required")
    if message.get("role") not in ("user", "agent"):
        raise RpcError(INVALID_PARAMS, "message.role must be 'user' or 'agent'")
    parts = message.get("parts")
    if not isinstance(parts, list) or not parts:
        raise RpcError(INVALID_PARAMS, "message.parts must be a non-empty array")
    for key in ("contextId", "taskId"):
        if message.get(key) is not None and not isinstance(message[key], str):
            raise RpcError(INVALID_PARAMS, f"message.{key} must be a string")
    return message


def graph_input(message: dict[str, Any]) -> dict[str, Any]:
    """Text parts become messages; data parts are merged into the input."""
    role = "human" if message["role"] == "user" else "ai"
    messages, data = [], {}
    for part in message["parts"]:
        kind = _kind(part)
        if kind == "text":
            messages.append({"role": role, "content": part["text"], "id": message["messageId"]})
        else:
            data.update(part["data"])
    return {**data, "messages": messages} if messages else data


def resume_value(message: dict[str, Any]) -> Any:
    """What answers the interrupt: a data part's `resume`, else the text."""
    texts, data = [], {}
    for part in message["parts"]:
        if _kind(part) == "text":
            texts.append(part["text"])
        else:
            data.update(part["data"])
    if "resume" in data:
        return data["resume"]
    return "\n".join(texts) if texts else data


def has_text(message: dict[str, Any]) -> bool:
    return any(_kind(part) == "text" for part in message["parts"])


def _kind(part: Any) -> str:
    if not isinstance(part, dict):
        raise RpcError(INVALID_PARAMS, "each message part must be an object")
    kind = part.get("kind") or next((k for k in ("text", "data", "file") if k in part), None)
    if kind == "file":
        raise RpcError(
            CONTENT_TYPE_NOT_SUPPORTED, "file parts are not supported; send text or data parts"
        )
    if kind == "text" and isinstance(part.get("text"), str):
        return kind
    if kind == "data" and isinstance(part.get("data"), dict):
        return kind
    raise RpcError(
        INVALID_PARAMS,
        "a part must be {'kind': 'text', 'text': str} or {'kind': 'data', 'data': object}",
    )


# -- the answer --------------------------------------------------------------


def task(
    task_id: str,
    context_id: str,
    state: str,
    *,
    outcome: dict[str, Any] | None = None,
    assistant_id: str = "",
) -> dict[str, Any]:
    """`outcome`: the data of the run's terminal event, once it has one."""
    error = error_text(outcome) if outcome and state == "failed" else None
    out: dict[str, Any] = {
        "kind": "task",
        "id": task_id,
        "contextId": context_id,
        "status": status(task_id, context_id, state, error=error),
    }
    if outcome is not None and state in ("completed", "input-required"):
        out["artifacts"] = [artifact(outcome, state, assistant_id)]
    return out


def status(
    task_id: str, context_id: str, state: str, *, error: str | None = None
) -> dict[str, Any]:
    out: dict[str, Any] = {"state": state, "timestamp": now()}
    if error:
        out["message"] = {
            "kind": "message",
            "role": "agent",
            "messageId": str(uuid.uuid4()),
            "parts": [{"kind": "text", "text": error}],
            "taskId": task_id,
            "contextId": context_id,
        }
    return out


def artifact(outcome: dict[str, Any], state: str, assistant_id: str) -> dict[str, Any]:
    values = outcome.get("values")
    if state == "input-required":
        return {
            "artifactId": str(uuid.uuid4()),
            "name": "Interrupt",
            "description": "The agent needs input to continue",
            "parts": [{"kind": "data", "data": i} for i in interrupts_of(outcome)],
        }
    return {
        "artifactId": str(uuid.uuid4()),
        "name": "Assistant Response",
        "description": f"Response from assistant {assistant_id}",
        "parts": answer_parts(values),
    }


def interrupts_of(outcome: dict[str, Any]) -> list[Any]:
    values = outcome.get("values")
    if isinstance(values, dict) and values.get("__interrupt__"):
        return list(values["__interrupt__"])
    found = outcome.get("interrupts") or []
    if isinstance(found, dict):  # by task: flatten
        return [
            i for group in found.values() for i in (group if isinstance(group, list) else [group])
        ]
    return list(found)


def answer_parts(values: Any) -> list[dict[str, Any]]:
    """The last AI message's text; a graph without messages answers with its values."""
    messages = values.get("messages") if isinstance(values, dict) else None
    for message in reversed(messages or []):
        if isinstance(message, dict) and message.get("type") in AI_TYPES:
            return [{"kind": "text", "text": message_text(message)}]
        if isinstance(message, dict) and message.get("type") == "human":
            break
    return [{"kind": "data", "data": values if isinstance(values, dict) else {"value": values}}]


AI_TYPES = ("ai", "AIMessageChunk")


def message_text(message: Any) -> str:
    """An AI message's text ("" for any other message)."""
    if not isinstance(message, dict) or message.get("type") not in AI_TYPES:
        return ""
    content = message.get("content")
    if isinstance(content, str):
        return content
    return "".join(b.get("text", "") for b in content or [] if isinstance(b, dict))


def error_text(data: dict[str, Any]) -> str:
    return f"{data.get('error') or 'Error'}: {data.get('message') or ''}".rstrip(": ")


def status_update(
    task_id: str, context_id: str, state: str, *, final: bool, error: str | None = None
) -> dict[str, Any]:
    return {
        "kind": "status-update",
        "taskId": task_id,
        "contextId": context_id,
        "status": status(task_id, context_id, state, error=error),
        "final": final,
    }


def artifact_update(task_id: str, context_id: str, art: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": "artifact-update",
        "taskId": task_id,
        "contextId": context_id,
        "artifact": art,
        "append": False,
        "lastChunk": True,
    }
