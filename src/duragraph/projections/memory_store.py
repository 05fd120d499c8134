from __future__ import annotations

import math

from psycopg.types.json import Jsonb

from ..domain import events as ev

TABLES = ("store_items", "store_vectors")

_ITEM = "namespace=%s AND key=%s"


def put(e: ev.StoreItemPut) -> list:
    """An item that had expired (but was not swept yet) is created anew."""
    address = (e.namespace, e.key)
    return [
        (
            """INSERT INTO store_items (namespace, key, value, ttl_minutes, expires_at,
                created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s)
            ON CONFLICT (namespace, key) DO UPDATE SET value=EXCLUDED.value,
                ttl_minutes=EXCLUDED.ttl_minutes, expires_at=EXCLUDED.expires_at,
                updated_at=EXCLUDED.updated_at,
                created_at=CASE WHEN store_items.expires_at <= EXCLUDED.updated_at
                           THEN EXCLUDED.created_at ELSE store_items.created_at END""",
            (*address, Jsonb(e.value), e.ttl_minutes, e.expires_at, e.at, e.at),
        ),
        (f"DELETE FROM store_vectors WHERE {_ITEM}", address),
        *(_vector(e, idx, field, vector) for idx, (field, vector) in enumerate(e.vectors)),
    ]


def _vector(e: ev.StoreItemPut, idx: int, field: str, vector: list[float]) -> tuple:
    norm = math.sqrt(sum(x * x for x in vector))
    return (
        (
            "INSERT INTO store_vectors (namespace, key, idx, field, embedding, norm) "
            "VALUES (%s, %s, %s, %s, %s, %s)"
        ),
        (e.namespace, e.key, idx, field, vector, norm),
    )


def deleted(e: ev.StoreItemDeleted) -> list:
    address = (e.namespace, e.key)
    return [
        (f"DELETE FROM store_items WHERE {_ITEM}", address),
        (f"DELETE FROM store_vectors WHERE {_ITEM}", address),
    ]


def refreshed(e: ev.StoreItemTtlRefreshed) -> list:
    return [
        (
            f"UPDATE store_items SET expires_at=%s WHERE {_ITEM} AND ttl_minutes IS NOT NULL",
            (e.expires_at, e.namespace, e.key),
        )
    ]


def expired(e: ev.StoreItemExpired) -> list:
    # Only if the item still has the expiry the sweeper saw: a put or a
    # refresh that committed in between keeps it alive.
    address = (e.namespace, e.key)
    return [
        (
            (
                f"DELETE FROM store_vectors WHERE {_ITEM} AND EXISTS (SELECT 1 FROM store_items "
                f"WHERE {_ITEM} AND expires_at=%s)"
            ),
            (*address, *address, e.expires_at),
        ),
        (f"DELETE FROM store_items WHERE {_ITEM} AND expires_at=%s", (*address, e.expires_at)),
    ]


HANDLERS = {
    ev.StoreItemPut: put,
    ev.StoreItemDeleted: deleted,
    ev.StoreItemTtlRefreshed: refreshed,
    ev.StoreItemExpired: expired,
}
