"""Only PostgreSQL being out of reach invites a retry: an error the request's
data caused would fail the same way for ever, so it is no 503."""

from __future__ import annotations

import asyncio

import psycopg
import pytest
from psycopg import errors as pg

from duragraph.api.database_errors import data_error, operational_error


def answer(exc: Exception):
    handler = data_error if isinstance(exc, psycopg.DataError) else operational_error
    return asyncio.run(handler(None, exc))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "exc",
    [
        psycopg.OperationalError("connection lost"),
        pg.AdminShutdown(),
        pg.CannotConnectNow(),
        pg.TooManyConnections(),
        pg.SerializationFailure(),
        pg.QueryCanceled(),
        pg.LockNotAvailable(),
    ],
)
def test_the_database_out_of_reach_is_a_503_to_retry(exc: Exception) -> None:
    response = answer(exc)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"


@pytest.mark.parametrize(
    "exc", [pg.ProgramLimitExceeded(), pg.NumericValueOutOfRange(), pg.StringDataRightTruncation()]
)
def test_a_value_the_database_cannot_hold_is_a_422_without_retry(exc: Exception) -> None:
    response = answer(exc)
    assert response.status_code == 422
    assert "Retry-After" not in response.headers
    assert b"retry" not in response.body


def test_another_database_error_is_a_500_without_retry() -> None:
    response = answer(pg.IoError())
    assert response.status_code == 500
    assert "Retry-After" not in response.headers
