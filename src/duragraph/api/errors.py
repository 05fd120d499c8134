"""Errors become JSON with a `detail`; domain errors map to status codes here."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import psycopg
from fastapi import FastAPI
from psycopg_pool import PoolTimeout
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..application.queries.visibility import InvalidFilter
from ..domain import errors as de
from .auth.authenticate import AuthFailure
from .database_errors import data_error, database_unavailable, operational_error

log = logging.getLogger(__name__)

STATUS: dict[type[de.DomainError], int] = {
    de.NotFound: 404,
    de.AlreadyExists: 409,
    de.ThreadBusy: 409,
    de.NotInterrupted: 409,
    de.RunAlreadyFinished: 404,  # as upstream: no run left to cancel
    de.ConcurrencyConflict: 409,
    de.Fenced: 409,
    de.InvalidInput: 422,
}


def _status_for(exc: de.DomainError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def _describe(error: dict) -> str:
    where = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
    message = error.get("msg", "invalid value")
    if error.get("type") == "json_invalid":
        return f"invalid JSON body: {error.get('ctx', {}).get('error', message)}"
    return f"{where}: {message}" if where else message


async def domain_error(_: Request, exc: de.DomainError) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=_status_for(exc))


async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    detail = "; ".join(_describe(e) for e in errors) or "invalid request"
    return JSONResponse({"detail": detail, "errors": _plain(errors)}, status_code=422)


async def http_error(_: Request, exc: HTTPException) -> JSONResponse:
    return JSONResponse(
        {"detail": exc.detail}, status_code=exc.status_code, headers=getattr(exc, "headers", None)
    )


async def unexpected(_: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error", exc_info=exc)
    return JSONResponse({"detail": f"internal error: {type(exc).__name__}"}, status_code=500)


async def auth_failure(_: Request, exc: AuthFailure) -> JSONResponse:
    if exc.status >= 500:
        log.error("auth handler: %s", exc.detail)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status, headers=exc.headers)


async def invalid_filter(_: Request, exc: InvalidFilter) -> JSONResponse:
    log.error("auth handler returned an invalid filter: %s", exc)
    return JSONResponse(
        {"detail": f"auth handler returned an invalid filter: {exc}"}, status_code=500
    )


def _plain(errors: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")} for e in errors
    ]


# Each handler gets the exceptions of its class only (the parameter is Any:
# Starlette types every handler as taking any Exception).
HANDLERS: list[tuple[type[Exception], Callable[[Request, Any], Awaitable[Response]]]] = [
    (de.DomainError, domain_error),
    (RequestValidationError, validation_error),
    (HTTPException, http_error),
    (AuthFailure, auth_failure),
    (InvalidFilter, invalid_filter),
    (psycopg.OperationalError, operational_error),
    (psycopg.DataError, data_error),
    (PoolTimeout, database_unavailable),
    (Exception, unexpected),
]


def install(app: FastAPI) -> None:
    for cls, handler in HANDLERS:
        app.add_exception_handler(cls, handler)
