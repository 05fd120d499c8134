"""An auth where every thread is readable by everyone but updatable only by
its owner: a caller who can read a thread but not update it (update_state's
403, tests/e2e/test_auth_threads.py)."""

from typing import Any

from langgraph_sdk import Auth

auth = Auth()


@auth.authenticate
async def authenticate(authorization: str | None) -> str:
    if authorization not in ("Bearer token-alice", "Bearer token-bob"):
        raise Auth.exceptions.HTTPException(401, "missing bearer token")
    return authorization.removeprefix("Bearer token-")


@auth.on.threads.create
async def stamp(ctx: Auth.types.AuthContext, value: Any) -> None:
    value.setdefault("metadata", {})["owner"] = ctx.user.identity


@auth.on.threads.read
async def anyone_reads(ctx: Auth.types.AuthContext, value: Any) -> None:
    return None


@auth.on.threads.update
async def owner_updates(ctx: Auth.types.AuthContext, value: Any) -> dict[str, Any]:
    return {"owner": ctx.user.identity}
