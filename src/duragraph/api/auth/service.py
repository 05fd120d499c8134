"""Authentication at the edge and authorization where each operation starts.

The middleware authenticates a request once and keeps its user in
`current_user` for the request's task; routes ask `authorize(resource, action,
value)` for the handler's verdict: None (allow, no filter) or a metadata
filter that the query compiles into its SQL. Without an `auth` section in
langgraph.json, `NO_AUTH` allows everything and costs one call."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any, Callable, Sequence

from langgraph_sdk.auth.types import StudioUser

from .authenticate import AuthFailure, arguments, call, check_signature, normalize
from .authorize import Filter, Handlers, run_handler

current_user: ContextVar[Any] = ContextVar("duragraph_user", default=None)
request_headers: ContextVar[Sequence[tuple[bytes, bytes]]] = ContextVar(
    "duragraph_headers", default=()
)
# Set for the server's calls to itself (api/loopback.py): no handler is asked.
trusted: ContextVar[bool] = ContextVar("duragraph_trusted", default=False)

STUDIO_USER = "langgraph-studio-user"


class NoAuth:
    enabled = False

    async def authenticate(self, scope: dict[str, Any]) -> Any:
        return None

    async def authorize(self, resource: str, action: str, value: Any) -> Filter | None:
        return None


class CustomAuth:
    """The user's `langgraph_sdk.Auth` object, as `auth.path` names it."""

    enabled = True

    def __init__(self, auth: Any, *, studio: bool, disable_studio_auth: bool = False) -> None:
        self._authenticate: Callable[..., Any] = auth._authenticate_handler
        self._names = check_signature(self._authenticate)
        self.handlers = Handlers.of(auth)
        # `langgraph dev` lets Studio (x-auth-scheme: langsmith) in as a local user.
        self._studio = studio and not disable_studio_auth

    async def authenticate(self, scope: dict[str, Any]) -> Any:
        if self._studio and _header(scope, b"x-auth-scheme") == b"langsmith":
            return StudioUser(STUDIO_USER, is_authenticated=False)
        result = await call(self._authenticate, arguments(self._names, scope))
        return normalize(result)

    async def authorize(self, resource: str, action: str, value: Any) -> Filter | None:
        fn = self.handlers.find(resource, action)
        if fn is None or trusted.get():
            return None
        return await run_handler(fn, current_user.get(), resource, action, value)


def _header(scope: dict[str, Any], name: bytes) -> bytes | None:
    for key, value in scope.get("headers") or ():
        if key == name:
            return value
    return None


Authorizer = NoAuth | CustomAuth
NO_AUTH = NoAuth()
__all__ = [
    "NO_AUTH",
    "AuthFailure",
    "Authorizer",
    "CustomAuth",
    "NoAuth",
    "current_user",
    "request_headers",
    "trusted",
]
