"""Writes to the long-term memory store: each is an event on the item's stream."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Mapping, Sequence

from ...domain import events as ev
from ...domain.memory_store import Namespace, check_item_address, check_ttl, expires_at, stream_id
from ...domain.errors import InvalidInput
from ..ports import Clock, Database, EventAppender, StoreIndex, StreamAppend, TtlPolicy
from .retry import on_conflict


class _Default:
    def __repr__(self) -> str:
        return "DEFAULT"


DEFAULT_TTL: Any = _Default()  # "the store's default_ttl", as opposed to None (never)


@dataclass(slots=True)
class StoreDeps:
    events: EventAppender
    db: Database
    clock: Clock
    index: StoreIndex | None = None
    ttl: TtlPolicy = field(default_factory=TtlPolicy)


@dataclass(frozen=True, slots=True)
class PutItem:
    """A put, or a delete when `value` is None."""

    namespace: Namespace
    key: str
    value: Mapping[str, Any] | None  # check_put lets only a dict (or None) through
    index: Literal[False] | list[str] | None = None
    ttl: Any = DEFAULT_TTL  # minutes, None for never, or DEFAULT_TTL


def check_put(item: PutItem) -> PutItem:
    namespace = check_item_address(item.namespace, item.key)
    if item.value is not None and not isinstance(item.value, dict):
        raise InvalidInput("value must be a JSON object")
    if item.ttl is not DEFAULT_TTL:
        check_ttl(item.ttl)
    return PutItem(namespace, item.key, item.value, item.index, item.ttl)


@on_conflict()
async def write_items(items: Sequence[PutItem], deps: StoreDeps) -> None:
    """All in one transaction; for an address written twice the last wins."""
    checked = [check_put(i) for i in items]
    latest = {(i.namespace, i.key): i for i in checked}
    puts = [i for i in latest.values() if i.value is not None]
    gone = [i for i in latest.values() if i.value is None]
    now = deps.clock.now()
    vectors = await _vectors(puts, deps.index)
    events: list[ev.StoreItemPut | ev.StoreItemDeleted] = [
        _put_event(i, v, deps.ttl, now) for i, v in zip(puts, vectors, strict=True)
    ]
    events += [
        ev.StoreItemDeleted(namespace=list(ns), key=key, at=now)
        for ns, key in await existing(deps.db, [(i.namespace, i.key) for i in gone])
    ]
    await deps.events.append([_append(e) for e in events])


def _put_event(item: PutItem, vectors: list, policy: TtlPolicy, now: datetime) -> ev.StoreItemPut:
    ttl = policy.default_ttl if item.ttl is DEFAULT_TTL else item.ttl
    expiry = expires_at(now, ttl)
    return ev.StoreItemPut(
        namespace=list(item.namespace),
        key=item.key,
        value=item.value,
        ttl_minutes=ttl,
        expires_at=expiry.isoformat() if expiry else None,
        vectors=vectors,
        at=now,
    )


async def _vectors(puts: list[PutItem], index: StoreIndex | None) -> list[list]:
    """[[field, embedding], ...] per put; one embedding call for the batch."""
    if index is None:
        return [[] for _ in puts]
    texts = [index.texts(p.value or {}, p.index) if p.index is not False else [] for p in puts]
    flat = [text for pairs in texts for _, text in pairs]
    embedded = iter(await index.embed(flat) if flat else [])
    return [[[path, [float(x) for x in next(embedded)]] for path, _ in pairs] for pairs in texts]


def _append(event: ev.StoreItemEvent) -> StreamAppend:
    return StreamAppend(stream_id(tuple(event.namespace), event.key), None, [event])


async def existing(
    db: Database, addresses: list[tuple[Namespace, str]]
) -> list[tuple[Namespace, str]]:
    if not addresses:
        return []
    rows = await db.fetch(
        "SELECT namespace, key FROM store_items s JOIN unnest(%s::text[], %s::text[]) "
        "AS a(ns, k) ON s.key = a.k AND s.namespace = string_to_array(a.ns, '.')",
        ([".".join(ns) for ns, _ in addresses], [k for _, k in addresses]),
    )
    return [(tuple(r["namespace"]), r["key"]) for r in rows]


@on_conflict()
async def refresh_ttl(items: Sequence[dict[str, Any]], deps: StoreDeps) -> None:
    """Push back the expiry of items (rows as read) that have a TTL."""
    now = deps.clock.now()
    events = [
        ev.StoreItemTtlRefreshed(
            namespace=list(r["namespace"]),
            key=r["key"],
            at=now,
            expires_at=expires_at(now, r["ttl_minutes"]).isoformat(),
        )
        for r in items
        if r.get("ttl_minutes") is not None
    ]
    if events:
        await deps.events.append([_append(e) for e in events])


SWEEP_PAGE = 500


async def sweep_expired(deps: StoreDeps, *, limit: int = SWEEP_PAGE) -> int:
    """Remove items whose expiry has passed; returns how many."""
    rows = await deps.db.fetch(
        "SELECT namespace, key, expires_at FROM store_items WHERE expires_at <= %s "
        "ORDER BY expires_at LIMIT %s",
        (deps.clock.now(), limit),
    )
    now = deps.clock.now()
    events = [
        ev.StoreItemExpired(
            namespace=list(r["namespace"]),
            key=r["key"],
            at=now,
            expires_at=r["expires_at"].isoformat(),
        )
        for r in rows
    ]
    if events:
        await deps.events.append([_append(e) for e in events])
    return len(events)
