"""Protocol v2 (`client.threads.stream`, `useStream`): a thread's stored run
chunks become `ProtocolEvent`s. A pure translation, stateful per connection
only to know which messages have started.

One stored chunk (stream sequence N) may become several events; event k of it
gets seq `N * FANOUT + k`, so seqs stay unique and increasing and a client's
`since` says both where to resume reading and which events of that chunk it had.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from ....domain.statuses import RunStatus

FANOUT = 1000
CHANNELS = (
    "values",
    "updates",
    "messages",
    "tools",
    "lifecycle",
    "input",
    "tasks",
    "custom",
    "checkpoints",
)
_END_STATUS: dict[str, str] = {
    RunStatus.success: "completed",
    RunStatus.error: "failed",
    RunStatus.interrupted: "interrupted",
}
_ROLES = {
    "ai": "ai",
    "AIMessageChunk": "ai",
    "human": "human",
    "HumanMessageChunk": "human",
    "system": "system",
    "SystemMessageChunk": "system",
}

Event = dict[str, Any]


def channel_of(method: str) -> str:
    return "input" if method == "input.requested" else method


def split_since(since: int | None) -> tuple[int, int]:
    """A client's `since` -> (stream sequence to read after, events of the
    chunk at that sequence already had: skip those with k below this)."""
    if since is None:
        return 0, 0
    return since // FANOUT, since % FANOUT + 1


Found = tuple[str, list[str], Any, str | None]  # method, namespace, data, node
Ref = dict[str, str]  # a checkpoint reference: {"id", "ns"}


@dataclass(slots=True)
class Translator:
    """Stored chunks -> (method, namespace, data, node) tuples.

    In a run that streams checkpoints, a `values` event waits for the next
    chunk: the checkpoint that stores that state, whose reference it then
    carries (`events`)."""

    _texts: dict[str, str] = field(default_factory=dict)  # open message id -> text so far
    _error: str | None = None
    _checkpointed: bool = False  # this run streams checkpoints
    _held: Found | None = None  # a values event waiting for its checkpoint

    def translate(self, event: str, payload: bytes) -> list[Found]:
        return [found for found, _ in self.events(event, payload)]

    def events(self, event: str, payload: bytes) -> list[tuple[Found, Ref | None]]:
        """The chunk's events, each with the checkpoint reference it carries."""
        mode, _, ns = event.partition("|")
        namespace = ns.split("|") if ns else []
        data = orjson.loads(payload) if payload else None
        out = self._release(mode, namespace, data)
        for method, body, node in self._by_mode(mode, data):
            if method == "values" and self._checkpointed:
                self._held = (method, namespace, body, node)
            else:
                out.append(((method, namespace, body, node), None))
        return out

    def _release(
        self, mode: str, namespace: list[str], data: Any
    ) -> list[tuple[Found, Ref | None]]:
        if mode == "metadata":
            self._checkpointed = False
        elif mode == "checkpoints":
            self._checkpointed = True
        held, self._held = self._held, None
        if held is None:
            return []
        ref = None
        if mode == "checkpoints" and held[1] == namespace:
            own = (data or {}).get("checkpoint") or {}
            ref = {"id": own.get("checkpoint_id"), "ns": own.get("checkpoint_ns", "")}
        return [(held, ref)]

    def _by_mode(self, mode: str, data: Any) -> list[tuple[str, Any, str | None]]:
        if mode == "metadata":
            return [("lifecycle", {"event": "running"}, None)]
        if mode == "end":
            return self._finish_open() + [("lifecycle", self._terminal(data), None)]
        if mode == "error":
            self._error = (data or {}).get("message") or (data or {}).get("error")
            return []
        if mode == "values":
            return [("values", data, None)]
        if mode == "updates":
            return _updates(data)
        if mode == "messages":
            return self._message(*data)
        if mode == "custom":
            return [("custom", {"payload": data}, None)]
        if mode == "tasks":
            return [("tasks", data, None)]
        if mode == "checkpoints":
            return [("checkpoints", _checkpoint(data), None)]
        if mode == "tools":  # LangGraph's tool-call events, protocol-shaped already
            return [("tools", data, None)]
        return []  # events, debug: not part of the protocol

    def _terminal(self, data: Any) -> dict[str, Any]:
        status = _END_STATUS.get((data or {}).get("status") or "", "failed")
        out: dict[str, Any] = {"event": status}
        if status == "failed":
            out["error"] = self._error or "run failed"
        return out

    def _message(
        self, message: dict[str, Any], meta: dict[str, Any]
    ) -> list[tuple[str, Any, str | None]]:
        node = meta.get("langgraph_node")
        role = _ROLES.get(message.get("type", ""))
        if role is None:  # a tool's result: the tools channel has it
            return []
        message_id = str(message.get("id"))
        out = []
        if message_id not in self._texts:
            self._texts[message_id] = ""
            out += [
                (
                    "messages",
                    {
                        "event": "message-start",
                        "role": role,
                        "id": message_id,
                        "message_id": message_id,
                        "metadata": meta,
                    },
                    node,
                ),
                (
                    "messages",
                    {
                        "event": "content-block-start",
                        "index": 0,
                        "message_id": message_id,
                        "content": {"type": "text", "text": ""},
                    },
                    node,
                ),
            ]
        text = _text(message.get("content"))
        if text:
            self._texts[message_id] += text
            out.append(
                (
                    "messages",
                    {
                        "event": "content-block-delta",
                        "index": 0,
                        "message_id": message_id,
                        "delta": {"type": "text-delta", "text": text},
                    },
                    node,
                )
            )
        whole = not message.get("type", "").endswith("Chunk")
        if whole or message.get("chunk_position") == "last":
            out += self._finish_message(message_id, node)
        return out

    def _finish_message(
        self, message_id: str, node: str | None
    ) -> list[tuple[str, Any, str | None]]:
        text = self._texts.pop(message_id, "")
        return [
            (
                "messages",
                {
                    "event": "content-block-finish",
                    "index": 0,
                    "message_id": message_id,
                    "content": {"type": "text", "text": text},
                },
                node,
            ),
            ("messages", {"event": "message-finish", "message_id": message_id}, node),
        ]

    def _finish_open(self) -> list[tuple[str, Any, str | None]]:
        out = []
        for message_id in list(self._texts):
            out += self._finish_message(message_id, None)
        return out


def _updates(data: Any) -> list[tuple[str, Any, str | None]]:
    out: list[tuple[str, Any, str | None]] = []
    for node, delta in (data or {}).items():
        if node == "__interrupt__":
            out += [
                (
                    "input.requested",
                    {
                        "interrupt_id": i.get("id"),
                        "value": i.get("value"),
                        "payload": i.get("value"),
                    },
                    None,
                )
                for i in delta
            ]
        else:
            out.append(("updates", {"node": node, "values": delta}, node))
    return out


def _checkpoint(data: dict[str, Any]) -> dict[str, Any]:
    own, parent = data.get("checkpoint") or {}, data.get("parent_checkpoint") or {}
    metadata = data.get("metadata") or {}
    out = {
        "id": own.get("checkpoint_id"),
        "step": metadata.get("step"),
        "source": metadata.get("source"),
    }
    if parent.get("checkpoint_id"):
        out["parent_id"] = parent["checkpoint_id"]
    return out


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            b.get("text", "") for b in content if isinstance(b, dict) and b.get("type") == "text"
        )
    return ""


def envelope(
    seq: int,
    method: str,
    namespace: list[str],
    data: Any,
    node: str | None,
    timestamp_ms: int,
    checkpoint: Ref | None = None,
) -> Event:
    params: dict[str, Any] = {"namespace": namespace, "timestamp": timestamp_ms, "data": data}
    if node:
        params["node"] = node
    if checkpoint is not None:
        params["checkpoint"] = checkpoint
    return {"type": "event", "event_id": str(seq), "seq": seq, "method": method, "params": params}


@dataclass(frozen=True, slots=True)
class Filter:
    channels: frozenset[str]
    namespaces: tuple[tuple[str, ...], ...] | None = None
    depth: int | None = None

    def wants(self, method: str, namespace: list[str]) -> bool:
        if channel_of(method) not in self.channels:
            return False
        if self.namespaces is None:
            return self.depth is None or len(namespace) <= self.depth
        return any(self._under(prefix, namespace) for prefix in self.namespaces)

    def _under(self, prefix: tuple[str, ...], namespace: list[str]) -> bool:
        if tuple(namespace[: len(prefix)]) != prefix:
            return False
        return self.depth is None or len(namespace) - len(prefix) <= self.depth


_TERMINAL = ("completed", "failed", "interrupted")


@dataclass(slots=True)
class Tree:
    """The run's agent tree (`agent.getTree`) from its translated events: the
    root and every namespace seen, each `started` until its parent's update
    for it or the run's end closes it."""

    graph_name: str
    status: dict[tuple[str, ...], str] = field(default_factory=lambda: {(): "started"})

    def feed(self, method: str, namespace: list[str], data: Any) -> None:
        ns = tuple(namespace)
        for length in range(1, len(ns) + 1):
            self.status.setdefault(ns[:length], "started")
        if method == "lifecycle" and not ns and isinstance(data, dict):
            self._root(data.get("event"))
        elif method == "updates" and isinstance(data, dict):
            for child in [
                c
                for c in self.status
                if len(c) == len(ns) + 1
                and c[: len(ns)] == ns
                and c[-1].split(":")[0] == data.get("node")
            ]:
                self._close(child, "completed")

    def _close(self, ns: tuple[str, ...], status: str) -> None:
        """`ns` and whatever is still open under it end with `status`."""
        for key, current in self.status.items():
            if key[: len(ns)] == ns and current not in _TERMINAL:
                self.status[key] = status

    def _root(self, event: Any) -> None:
        if event == "running":
            self.status[()] = event
        elif event in _TERMINAL:  # what is still open ends with the run
            self._close((), event)

    def node(self, ns: tuple[str, ...] = ()) -> dict[str, Any]:
        out: dict[str, Any] = {
            "namespace": list(ns),
            "status": self.status[ns],
            "graph_name": ns[-1].split(":")[0] if ns else self.graph_name,
        }
        children = sorted(c for c in self.status if len(c) == len(ns) + 1 and c[: len(ns)] == ns)
        if children:
            out["children"] = [self.node(c) for c in children]
        return out
