"""Rules of the long-term memory store: what a namespace, a key and a TTL may be."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any, Sequence, overload

from .errors import InvalidInput
from .limits import MAX_STORE_ADDRESS_BYTES, duration

Namespace = tuple[str, ...]
WILDCARD = "*"  # in list-namespaces conditions: any one label


def check_labels(namespace: Any, *, what: str = "namespace") -> Namespace:
    """The one rule for a namespace (also one an auth handler rewrote): a list
    or tuple of non-empty string labels without '.'."""
    if not isinstance(namespace, (list, tuple)):
        raise InvalidInput(f"{what} must be a list of labels, got {namespace!r}")
    for label in namespace:
        if not isinstance(label, str):
            raise InvalidInput(f"{what}: labels must be strings, got {label!r}")
        if not label:
            raise InvalidInput(f"{what}: labels must not be empty strings")
        if "." in label:
            raise InvalidInput(f"{what}: label '{label}' must not contain a period ('.')")
        if "\x00" in label:
            raise InvalidInput(f"{what}: labels must not contain NUL bytes")
    return tuple(namespace)


def check_item_address(namespace: Sequence[Any], key: Any) -> Namespace:
    """The namespace and key of an item one writes or reads."""
    if not namespace:
        raise InvalidInput("namespace must not be empty")
    ns = check_labels(namespace)
    if ns[0] == "langgraph":
        raise InvalidInput("namespace: the root label 'langgraph' is reserved")
    if not isinstance(key, str) or not key:
        raise InvalidInput("key must be a non-empty string")
    if len(stream_id(ns, key).encode()) > MAX_STORE_ADDRESS_BYTES:  # it is indexed
        raise InvalidInput(
            f"namespace and key are too long together: at most {MAX_STORE_ADDRESS_BYTES} bytes"
        )
    return ns


def check_ttl(ttl: float | None) -> float | None:
    if ttl is not None and ttl <= 0:
        raise InvalidInput("ttl must be a positive number of minutes (or null for none)")
    if ttl is not None:
        duration("ttl", ttl, "minutes")
    return ttl


@overload
def expires_at(now: datetime, ttl_minutes: float) -> datetime: ...


@overload
def expires_at(now: datetime, ttl_minutes: float | None) -> datetime | None: ...


def expires_at(now: datetime, ttl_minutes: float | None) -> datetime | None:
    return None if ttl_minutes is None else now + timedelta(minutes=ttl_minutes)


def stream_id(namespace: Namespace, key: str) -> str:
    """One stream per item; JSON keeps any label or key unambiguous."""
    return "store-" + json.dumps([list(namespace), key], separators=(",", ":"))
