"""The test app's auth: bearer tokens for two users (and a third with no
rights), owner-stamping on every create, an owner filter on every read."""

from typing import Any

from langgraph_sdk import Auth

auth = Auth()

USERS = {
    "token-alice": {"identity": "alice", "permissions": ["write"], "org": "acme"},
    "token-bob": {"identity": "bob", "permissions": ["write"], "org": "globex"},
}


@auth.authenticate
async def authenticate(authorization: str | None, path: str, method: str) -> dict[str, Any]:
    if not authorization or not authorization.startswith("Bearer "):
        raise Auth.exceptions.HTTPException(
            401, "missing bearer token", headers={"WWW-Authenticate": "Bearer"}
        )
    user = USERS.get(authorization.removeprefix("Bearer "))
    if user is None:
        raise Auth.exceptions.HTTPException(401, "unknown token")
    return user


def _stamp(ctx: Auth.types.AuthContext, value: Any) -> None:
    if isinstance(value, dict) and "metadata" in value:
        if value["metadata"] is None:
            value["metadata"] = {}
        value["metadata"]["owner"] = ctx.user.identity


@auth.on
async def owner_only(ctx: Auth.types.AuthContext, value: Any) -> dict[str, Any]:
    if ctx.action in ("create", "create_run"):
        _stamp(ctx, value)
    return {"owner": ctx.user.identity}


@auth.on.assistants
async def own_or_system_assistants(ctx: Auth.types.AuthContext, value: Any) -> dict[str, Any]:
    if ctx.action == "create":
        _stamp(ctx, value)
    return {"$or": [{"owner": ctx.user.identity}, {"created_by": "system"}]}


@auth.on.store
async def own_namespace(ctx: Auth.types.AuthContext, value: Any) -> None:
    value["namespace"] = (ctx.user.identity, *(value.get("namespace") or ()))
