"""A transaction sent to PostgreSQL in one piece, answered in one round trip.

psycopg's pipeline sends a transaction statement by statement: a wait on the
socket, an event-loop turn and a send() per statement, which cost a fifth of
the server's CPU on the hot path. Here libpq's pipeline mode queues every
statement and the Sync in its output buffer, flushes once and reads the
results once. Statements are prepared on a connection the first time it sees
them (PostgreSQL then parses and plans each shape once per connection).

A whole transaction in one message also means PostgreSQL never waits on the
client half-way through it, holding locks, unless the message outgrows the
socket buffer.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Generator, Sequence
from typing import Any

import psycopg
from psycopg import errors, pq
from psycopg._queries import PostgresQuery
from psycopg.adapt import Transformer
from psycopg.waiting import Ready, Wait

from ...application.ports import Statement

_MAX_PREPARED = 256  # shapes per connection; beyond it statements go unnamed
_prepared: weakref.WeakKeyDictionary[Any, dict[tuple[bytes, tuple[int, ...]], bytes]] = (
    weakref.WeakKeyDictionary()
)


async def execute_batch(
    conn: psycopg.AsyncConnection, statements: Sequence[Statement]
) -> list[tuple[Any, ...]]:
    """Run the statements (a BEGIN ... COMMIT, say) in one round trip; raise
    the first error as psycopg would; return the last statement's rows (none
    if it returns none). After an error the connection is in an unknown
    state: the caller closes it."""
    queries = _convert(conn, statements)
    async with conn.lock:
        results = await conn.wait(_exchange(conn.pgconn, queries, _names(conn.pgconn)))
    for result in results:
        if result.status == pq.ExecStatus.FATAL_ERROR:
            raise errors.error_from_result(result, encoding=conn.info.encoding)
    return _rows(conn, results[-1]) if results else []


def _rows(conn: psycopg.AsyncConnection, result: Any) -> list[tuple[Any, ...]]:
    if result.status != pq.ExecStatus.TUPLES_OK:
        return []
    tx = Transformer(conn)
    tx.set_pgresult(result)
    return tx.load_rows(0, result.ntuples, tuple)


def _convert(conn: psycopg.AsyncConnection, statements: Sequence[Statement]) -> list[PostgresQuery]:
    tx = Transformer(conn)
    out = []
    for sql, params in statements:
        pgq = PostgresQuery(tx)
        pgq.convert(sql, params)
        out.append(pgq)
    return out


def _names(pgconn: Any) -> dict[tuple[bytes, tuple[int, ...]], bytes]:
    names = _prepared.get(pgconn)
    if names is None:
        names = _prepared[pgconn] = {}
    return names


def _send(pgconn: Any, pgq: PostgresQuery, names: dict) -> None:
    key = (pgq.query, pgq.types)
    name = names.get(key)
    if name is None and len(names) < _MAX_PREPARED:
        name = names[key] = b"_dg%d" % len(names)
        pgconn.send_prepare(name, pgq.query, param_types=pgq.types)
    if name is None:
        pgconn.send_query_params(
            pgq.query, pgq.params, param_types=pgq.types, param_formats=pgq.formats
        )
    else:
        pgconn.send_query_prepared(name, pgq.params, param_formats=pgq.formats)


def _exchange(
    pgconn: Any, queries: list[PostgresQuery], names: dict
) -> Generator[Wait, Ready | int, list[Any]]:
    pgconn.enter_pipeline_mode()
    try:
        for pgq in queries:
            _send(pgconn, pgq, names)
        pgconn.pipeline_sync()
        while pgconn.flush():
            yield Wait.W
        results = yield from _results(pgconn)
    except BaseException:
        # The connection is lost or unusable (the caller closes it): leaving
        # pipeline mode on it fails too, and would hide the first error.
        with contextlib.suppress(psycopg.Error):
            _leave_pipeline(pgconn)
        raise
    _leave_pipeline(pgconn)
    return results


def _leave_pipeline(pgconn: Any) -> None:
    if pgconn.pipeline_status != pq.PipelineStatus.OFF and not pgconn.is_busy():
        pgconn.exit_pipeline_mode()


def _results(pgconn: Any) -> Generator[Wait, Ready | int, list[Any]]:
    """Every statement's results, up to the Sync."""
    results: list[Any] = []
    while True:
        yield Wait.R
        pgconn.consume_input()
        while not pgconn.is_busy():
            result = pgconn.get_result()
            if result is None:
                continue  # the end of one statement's results
            if result.status == pq.ExecStatus.PIPELINE_SYNC:
                return results
            results.append(result)
