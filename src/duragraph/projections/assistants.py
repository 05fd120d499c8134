from __future__ import annotations

from psycopg.types.json import Jsonb

from ..domain import events as ev

TABLES = ("assistants", "assistant_versions")

_VERSION = """
INSERT INTO assistant_versions (assistant_id, version, graph_id, name, description,
    config, context, metadata, created_at)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"""


def _version_row(e: ev.AssistantCreated | ev.AssistantUpdated, version: int) -> tuple:
    return (
        e.assistant_id,
        version,
        e.graph_id,
        e.assistant_name,
        e.description,
        Jsonb(e.config),
        Jsonb(e.context),
        Jsonb(e.metadata),
        e.at,
    )


def created(e: ev.AssistantCreated) -> list:
    version = _version_row(e, 1)
    return [
        (
            """INSERT INTO assistants (assistant_id, version, graph_id, name, description,
                config, context, metadata, created_at, updated_at)
            VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)""",
            (*version, e.at),
        ),
        (_VERSION, version),
    ]


def updated(e: ev.AssistantUpdated) -> list:
    return [_current(e), (_VERSION, _version_row(e, e.version))]


def restored(e: ev.AssistantVersionRestored) -> list:
    return [_current(e)]


def _current(e: ev.AssistantUpdated | ev.AssistantVersionRestored) -> tuple:
    """The assistant row takes the event's version as its current one."""
    return (
        """UPDATE assistants SET graph_id=%s, name=%s, description=%s, config=%s,
            context=%s, metadata=%s, version=%s, updated_at=%s WHERE assistant_id=%s""",
        (
            e.graph_id,
            e.assistant_name,
            e.description,
            Jsonb(e.config),
            Jsonb(e.context),
            Jsonb(e.metadata),
            e.version,
            e.at,
            e.assistant_id,
        ),
    )


def deleted(e: ev.AssistantDeleted) -> list:
    return [
        ("DELETE FROM assistants WHERE assistant_id=%s", (e.assistant_id,)),
        ("DELETE FROM assistant_versions WHERE assistant_id=%s", (e.assistant_id,)),
    ]


HANDLERS = {
    ev.AssistantCreated: created,
    ev.AssistantUpdated: updated,
    ev.AssistantVersionRestored: restored,
    ev.AssistantDeleted: deleted,
}
