"""Running the user's `@auth.on...` handlers: one handler per event, found in
the official order, its result read as allow, deny or a metadata filter."""

from __future__ import annotations

from typing import Any, Callable

from langgraph_sdk.auth.exceptions import HTTPException as AuthHTTPException
from langgraph_sdk.auth.types import AuthContext

from .authenticate import AuthFailure

Filter = dict[str, Any]

ACTIONS: dict[str, tuple[str, ...]] = {
    "assistants": ("create", "read", "update", "delete", "search"),
    "threads": ("create", "read", "update", "delete", "search", "create_run"),
    "crons": ("create", "read", "update", "delete", "search"),
    "store": ("put", "get", "search", "delete", "list_namespaces"),
}


class Handlers:
    """The `@auth.on` handlers of one `langgraph_sdk.Auth` object."""

    def __init__(
        self,
        by_key: dict[tuple[str, str], Callable[..., Any]],
        global_handler: Callable[..., Any] | None,
    ) -> None:
        self.by_key, self.global_handler = by_key, global_handler
        self._cache: dict[tuple[str, str], Callable[..., Any] | None] = {}

    @classmethod
    def of(cls, auth: Any) -> "Handlers":
        by_key = {key: fns[-1] for key, fns in auth._handlers.items() if fns}
        return cls(by_key, auth._global_handlers[-1] if auth._global_handlers else None)

    def find(self, resource: str, action: str) -> Callable[..., Any] | None:
        key = (resource, action)
        if key not in self._cache:
            self._cache[key] = self._resolve(resource, action)
        return self._cache[key]

    def _resolve(self, resource: str, action: str) -> Callable[..., Any] | None:
        for key in ((resource, action), (resource, "*"), ("*", action), ("*", "*")):
            if key in self.by_key:
                return self.by_key[key]
        return self.global_handler

    def any(self) -> bool:
        return bool(self.by_key) or self.global_handler is not None

    def uncovered(self) -> list[str]:
        return [
            f"{r}.{a}" for r, actions in ACTIONS.items() for a in actions if self.find(r, a) is None
        ]


async def run_handler(
    fn: Callable[..., Any], user: Any, resource: str, action: str, value: Any
) -> Filter | None:
    # langgraph_sdk types resource and action as Literals; ours come from ACTIONS
    ctx = AuthContext(
        permissions=list(getattr(user, "permissions", ()) or ()),
        user=user,
        resource=resource,  # type: ignore[arg-type]
        action=action,  # type: ignore[arg-type]
    )
    try:
        result = await fn(ctx=ctx, value=value)
    except AuthHTTPException as exc:
        raise AuthFailure(exc.status_code, exc.detail or "", exc.headers) from None
    except AssertionError as exc:
        raise AuthFailure(403, str(exc) or "Forbidden") from None
    return verdict(result, resource, action)


def verdict(result: Any, resource: str, action: str) -> Filter | None:
    if result is None or result is True:
        return None
    if result is False:
        raise AuthFailure(403, "Forbidden")
    if isinstance(result, dict):
        return result or None
    raise AuthFailure(
        500,
        f"auth handler for {resource}.{action} returned an invalid result "
        f"({type(result).__name__}): expected None, a bool or a filter dict",
    )
