"""When each thread expires (a thread `ttl`), for the TTL sweeper."""

from __future__ import annotations

from ..domain import events as ev

TABLES = ("thread_ttl",)


def ttl_set(e: ev.ThreadTtlSet) -> list:
    return [
        (
            """INSERT INTO thread_ttl (thread_id, strategy, ttl_minutes, expires_at)
                VALUES (%s, %s, %s, %s)
                ON CONFLICT (thread_id) DO UPDATE SET strategy=EXCLUDED.strategy,
                  ttl_minutes=EXCLUDED.ttl_minutes, expires_at=EXCLUDED.expires_at""",
            (e.thread_id, e.strategy, e.ttl_minutes, e.expires_at),
        )
    ]


def _forget(e) -> list:
    return [("DELETE FROM thread_ttl WHERE thread_id=%s", (e.thread_id,))]


HANDLERS = {
    ev.ThreadTtlSet: ttl_set,
    ev.ThreadDeleted: _forget,
    ev.ThreadPruned: lambda e: _forget(e) if e.expired else [],
}
