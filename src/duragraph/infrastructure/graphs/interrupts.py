"""An interrupt as thread state shows it: its id and value, and its
`response_schema` only when it has one (the official server's shape; the
run's stream chunks keep LangGraph's own)."""

from __future__ import annotations

from typing import Any

from .serialization import to_jsonable


def interrupt_out(interrupt: Any) -> dict[str, Any]:
    out = {"id": interrupt.id, "value": to_jsonable(interrupt.value)}
    schema = getattr(interrupt, "response_schema", None)
    if schema is not None:
        out["response_schema"] = to_jsonable(schema)
    return out


def interrupts_out(interrupts: Any) -> list[dict[str, Any]]:
    return [interrupt_out(i) for i in interrupts]


def task_interrupts(tasks: Any) -> dict[str, list[dict[str, Any]]]:
    """A thread's `interrupts`: by the id of the task that raised them."""
    return {t.id: interrupts_out(t.interrupts) for t in tasks if t.interrupts}
