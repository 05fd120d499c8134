"""Loops that retry after a failure: PostgreSQL or NATS out of reach (a
restart, a dropped connection) is expected and said in one line, whereas
anything else is a bug and keeps its traceback."""

from __future__ import annotations

import logging

import psycopg
from psycopg_pool import PoolTimeout

from .nats.errors import NATS_ERRORS, NatsUnavailable

# PostgreSQL out of reach (a restart, a dropped connection, a full pool).
DATABASE_OUTAGES: tuple[type[BaseException], ...] = (psycopg.OperationalError, PoolTimeout)
OUTAGES: tuple[type[BaseException], ...] = (*NATS_ERRORS, NatsUnavailable, *DATABASE_OUTAGES)


def is_outage(exc: BaseException) -> bool:
    return isinstance(exc, OUTAGES)


def warn_retrying(logger: logging.Logger, what: str, exc: BaseException) -> None:
    logger.warning(
        "%s failed (%s: %s); retrying", what, type(exc).__name__, exc, exc_info=not is_outage(exc)
    )
