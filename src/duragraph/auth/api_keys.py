"""A ready `langgraph_sdk.Auth`: static API keys, each its own user, who sees
only what they created.

    "auth": {"path": "duragraph.auth.api_keys:auth"}      (langgraph.json)
    DURAGRAPH_API_KEYS="<key>=alice,<key>=bob"           (or DURAGRAPH_API_KEYS_FILE)

The key comes in `x-api-key: <key>` or `Authorization: Bearer <key>`. Every
create stamps `metadata.owner` with the caller's identity and every other
action is filtered by it; assistants also show (but do not let anyone change)
the system assistants; store namespaces are prefixed with the identity.
The keys are read once, when the server loads `auth`; without any it refuses
to start."""

from __future__ import annotations

import os
from typing import Any

from langgraph_sdk import Auth

from .keys import KeyRing

Filter = dict[str, Any]
CHALLENGE = {"WWW-Authenticate": "Bearer"}
SYSTEM = {"created_by": "system"}


def build(keys: KeyRing) -> Auth:
    auth = Auth()

    @auth.authenticate
    async def authenticate(headers: dict[bytes, bytes], authorization: str | None) -> str:
        key = presented_key(headers, authorization)
        if key is None:
            raise Auth.exceptions.HTTPException(401, "missing API key", headers=CHALLENGE)
        identity = keys.identity_of(key)
        if identity is None:
            raise Auth.exceptions.HTTPException(401, "invalid API key", headers=CHALLENGE)
        return identity

    auth.on(owner_only)
    auth.on.assistants(own_or_system_assistants)
    auth.on.store(own_namespace)
    return auth


def presented_key(headers: dict[bytes, bytes], authorization: str | None) -> str | None:
    if key := headers.get(b"x-api-key", b"").strip():
        return key.decode("latin-1")
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def owner_only(ctx: Auth.types.AuthContext, value: Any) -> Filter:
    if ctx.action in ("create", "create_run"):
        stamp_owner(ctx.user.identity, value)
    return {"owner": ctx.user.identity}


async def own_or_system_assistants(ctx: Auth.types.AuthContext, value: Any) -> Filter:
    owner = await owner_only(ctx, value)
    if ctx.action in ("read", "search"):
        return {"$or": [owner, SYSTEM]}
    return owner  # the system assistants are shared: no one may change or delete them


async def own_namespace(ctx: Auth.types.AuthContext, value: Any) -> None:
    value["namespace"] = (ctx.user.identity, *(value.get("namespace") or ()))


def stamp_owner(identity: str, value: Any) -> None:
    """In place: the server persists the dict it passed in `value`."""
    if isinstance(value, dict) and "metadata" in value:
        if value["metadata"] is None:
            value["metadata"] = {}
        value["metadata"]["owner"] = identity


def __getattr__(name: str) -> Any:
    """`auth` is built on first access, so that importing this module (for
    `build` or the handlers) needs no keys; loading `auth` without any fails."""
    if name != "auth":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()["auth"] = built = build(KeyRing.from_env(os.environ))
    return built
