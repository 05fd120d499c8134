"""Running the user's `@auth.authenticate` handler on a request's ASGI scope:
parameters injected by name, the result normalized to a user, failures
turned into the status the official server answers."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any, Callable

from langgraph_sdk.auth.exceptions import HTTPException as AuthHTTPException
from langgraph_sdk.auth.types import StudioUser
from starlette.authentication import AuthenticationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams
from starlette.requests import Request

from ...domain.identity import AuthUser

SUPPORTED = (
    "request",
    "body",
    "user",
    "path",
    "method",
    "scopes",
    "path_params",
    "query_params",
    "headers",
    "authorization",
    "scope",
)


class AuthFailure(Exception):
    """The request is refused: answer `status` with `{"detail": detail}`."""

    def __init__(self, status: int, detail: str, headers: Mapping[str, str] | None = None):
        super().__init__(detail)
        self.status, self.detail, self.headers = status, detail, dict(headers or {})


class AuthSetupError(ValueError):
    pass


def check_signature(fn: Callable[..., Any]) -> list[str]:
    """The parameters to inject; a required one we cannot fill stops startup."""
    names = []
    for name, param in inspect.signature(fn).parameters.items():
        if name in SUPPORTED:
            names.append(name)
        elif param.default is inspect.Parameter.empty and param.kind not in (
            param.VAR_KEYWORD,
            param.VAR_POSITIONAL,
        ):
            raise AuthSetupError(
                f"authenticate handler '{fn.__name__}': parameter '{name}' cannot be "
                f"filled; it may take any of {', '.join(SUPPORTED)}"
            )
    return names


def arguments(names: list[str], scope: dict[str, Any]) -> dict[str, Any]:
    if "request" in names and scope["type"] != "http":
        raise AuthFailure(403, "this authenticate handler needs an HTTP request")
    raw = dict(scope.get("headers") or [])
    values = {
        "request": lambda: Request(scope),
        "body": lambda: None,  # never filled by the official server either
        "user": lambda: scope.get("user"),
        "scopes": lambda: scope.get("auth", []),
        "path": lambda: scope["path"],
        "method": lambda: scope.get("method", "GET"),
        "path_params": lambda: scope.get("path_params", {}),
        "query_params": lambda: QueryParams(scope.get("query_string", b"")),
        "headers": lambda: raw,
        "authorization": lambda: _decoded(raw.get(b"authorization")),
        "scope": lambda: scope,
    }
    return {name: values[name]() for name in names}


def _decoded(value: bytes | None) -> str | None:
    return value.decode("latin-1") if value is not None else None


async def call(fn: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
    try:
        if inspect.iscoroutinefunction(fn):
            return await fn(**kwargs)
        return await run_in_threadpool(fn, **kwargs)
    except AuthHTTPException as exc:
        raise AuthFailure(exc.status_code, exc.detail or "", exc.headers) from None
    except AuthenticationError as exc:
        status = getattr(exc, "status_code", 403)
        raise AuthFailure(401 if status == 401 else 403, str(exc) or "Forbidden") from None


def normalize(result: Any) -> Any:
    """A str, a mapping with `identity`, an object with `identity`, or a
    (permissions, user) pair -> a user with attribute and item access."""
    if isinstance(result, tuple) and len(result) == 2:
        permissions, user = result
        user = normalize(user)
        return AuthUser({**user, "permissions": list(permissions or [])})
    if isinstance(result, (StudioUser, AuthUser)):
        return result
    if isinstance(result, str):
        return AuthUser({"identity": result, "permissions": []})
    if isinstance(result, Mapping) and "identity" in result:
        return AuthUser(result)
    if hasattr(result, "identity"):
        return AuthUser(_object_fields(result))
    raise AuthFailure(
        500,
        "the authenticate handler returned neither an identity string, "
        "nor a dict with 'identity', nor a user object: "
        f"{type(result).__name__}",
    )


def _object_fields(obj: Any) -> dict[str, Any]:
    fields = {
        k: getattr(obj, k)
        for k in ("identity", "display_name", "is_authenticated", "permissions")
        if hasattr(obj, k)
    }
    if callable(getattr(obj, "dict", None)):
        fields = {**obj.dict(), **fields}
    return fields


def user_fields(user: Any) -> dict[str, Any]:
    """A user as stored with a run: plain JSON, rebuilt as an AuthUser later."""
    if isinstance(user, AuthUser):
        return user.dict()
    fields = _object_fields(user)
    if isinstance(user, StudioUser):
        fields["kind"] = "StudioUser"
    return {**fields, "permissions": list(fields.get("permissions") or [])}
