"""Who may touch which part of the memory store: the `store.<action>`
handler sees the operation's fields and may rewrite any of them (typically
prefixing the namespace with the caller's identity); what it leaves is what
the operation uses. A filter it returns narrows a search (and is ignored for
the other actions, as on the official server)."""

from __future__ import annotations

from typing import Any

from ..domain.memory_store import check_labels
from .auth.authorize import Filter
from .services import Services

NAMESPACES = ("namespace", "suffix")  # the fields that name namespaces, where present


async def authorize_store(s: Services, action: str, value: dict[str, Any]) -> Filter | None:
    # Checked before and after the handler: it must neither see nor produce a bad namespace.
    _check_namespaces(value)
    if not s.auth.enabled:
        return None
    flt = await s.auth.authorize("store", action, value)
    _check_namespaces(value)
    return flt


def _check_namespaces(value: dict[str, Any]) -> None:
    for field in NAMESPACES:
        if value.get(field) is not None:
            check_labels(value[field], what=field)


def narrowed(caller: Filter | None, handler: Filter | None) -> Filter | None:
    """The caller's item filter, ANDed with the handler's: a client cannot widen it."""
    if not handler:
        return caller
    return {"$and": [caller, handler]} if caller else handler
