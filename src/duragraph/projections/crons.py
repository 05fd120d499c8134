from __future__ import annotations

from datetime import datetime

from psycopg.types.json import Jsonb

from ..domain import events as ev

TABLES = ("crons",)

_UPSERT = """
INSERT INTO crons (cron_id, assistant_id, thread_id, schedule, timezone, end_time, enabled,
    payload, metadata, on_run_completed, user_id, next_run_date, created_at, updated_at)
VALUES (%(cron_id)s, %(assistant_id)s, %(thread_id)s, %(schedule)s, %(timezone)s,
    %(end_time)s, %(enabled)s, %(payload)s, %(metadata)s, %(on_run_completed)s,
    %(user_id)s, %(next_run_date)s, %(at)s, %(at)s)
ON CONFLICT (cron_id) DO UPDATE SET schedule=EXCLUDED.schedule, timezone=EXCLUDED.timezone,
    end_time=EXCLUDED.end_time, enabled=EXCLUDED.enabled, payload=EXCLUDED.payload,
    metadata=EXCLUDED.metadata, on_run_completed=EXCLUDED.on_run_completed,
    next_run_date=EXCLUDED.next_run_date, updated_at=EXCLUDED.updated_at"""


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def written(e: ev.CronCreated | ev.CronUpdated) -> list:
    return [
        (
            _UPSERT,
            {
                "cron_id": e.cron_id,
                "assistant_id": e.assistant_id,
                "thread_id": e.thread_id,
                "schedule": e.schedule,
                "timezone": e.timezone,
                "end_time": _time(e.end_time),
                "enabled": e.enabled,
                "payload": Jsonb(e.payload),
                "metadata": Jsonb(e.metadata),
                "on_run_completed": e.on_run_completed,
                "user_id": e.user_id,
                "next_run_date": _time(e.next_run_date),
                "at": e.at,
            },
        )
    ]


def fired(e: ev.CronFired) -> list:
    return [
        ("UPDATE crons SET next_run_date=%s WHERE cron_id=%s", (_time(e.next_run_date), e.cron_id))
    ]


HANDLERS = {
    ev.CronCreated: written,
    ev.CronUpdated: written,
    ev.CronFired: fired,
    ev.CronDeleted: lambda e: [("DELETE FROM crons WHERE cron_id=%s", (e.cron_id,))],
}
