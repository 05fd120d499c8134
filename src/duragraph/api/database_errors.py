"""PostgreSQL's errors, as a client should read them. Only the database
being out of reach (or a transaction that lost a race) is a 503 to retry;
an error the request's data caused would fail the same way for ever, so it
is a 422 (the value does not fit) or a 500 (our bug), never "retry"."""

from __future__ import annotations

import logging

import psycopg
from starlette.requests import Request
from starlette.responses import JSONResponse

log = logging.getLogger(__name__)

# SQLSTATE classes that pass: connection exception, transaction rollback
# (serialization, deadlock), insufficient resources, operator intervention
# (shutdown, cancelled statement); and a lock not available.
_TRANSIENT = ("08", "40", "53", "57", "55P03")
_TOO_LARGE = "54"  # program limit exceeded: an index entry, a row, a statement


def transient(exc: Exception) -> bool:
    """No SQLSTATE: the driver lost or never had its connection (or the pool timed out)."""
    state = getattr(exc, "sqlstate", None)
    return state is None or state[:2] in _TRANSIENT or state in _TRANSIENT


async def database_unavailable(_: Request, exc: Exception) -> JSONResponse:
    """PostgreSQL restarting or out of reach: nothing was acknowledged; retry."""
    log.warning("database unavailable: %s: %s", type(exc).__name__, exc)
    return JSONResponse(
        {"detail": f"database unavailable ({type(exc).__name__}); retry"},
        status_code=503,
        headers={"Retry-After": "1"},
    )


async def operational_error(request: Request, exc: psycopg.OperationalError) -> JSONResponse:
    if transient(exc):
        return await database_unavailable(request, exc)
    if (exc.sqlstate or "").startswith(_TOO_LARGE):
        return await data_error(request, exc)
    log.error("database error: %s: %s", type(exc).__name__, exc)
    return JSONResponse({"detail": f"internal error: {type(exc).__name__}"}, status_code=500)


async def data_error(_: Request, exc: psycopg.Error) -> JSONResponse:
    """A value the request carried does not fit the database (too large, out of range)."""
    primary = exc.diag.message_primary or type(exc).__name__
    log.warning("value refused by the database: %s: %s", type(exc).__name__, primary)
    return JSONResponse(
        {
            "detail": f"a value in the request does not fit the database "
            f"({type(exc).__name__}: {primary})"
        },
        status_code=422,
    )
