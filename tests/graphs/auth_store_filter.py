"""A store shared by everyone, for tests/e2e/test_auth_store.py: a writer's
items go under their identity and are signed with it; every store handler
returns {"published": True}, which narrows searches only. The user with a
'.' in their identity makes the namespace invalid after the handler."""

from typing import Any

from langgraph_sdk import Auth

auth = Auth()

USERS = {"token-alice": "alice", "token-bob": "bob", "token-dotted": "d.o.t"}


@auth.authenticate
async def authenticate(authorization: str | None) -> str:
    user = USERS.get((authorization or "").removeprefix("Bearer "))
    if user is None:
        raise Auth.exceptions.HTTPException(401, "unknown token")
    return user


@auth.on.store
async def published_only(ctx: Auth.types.AuthContext, value: Any) -> dict[str, Any]:
    if ctx.action == "put":
        value["namespace"] = (ctx.user.identity, *value["namespace"])
        value["value"] = {**value["value"], "author": ctx.user.identity}
    return {"published": True}
