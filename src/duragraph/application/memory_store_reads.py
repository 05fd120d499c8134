"""Reads of the memory store that may write: a read can refresh the TTL of
what it returns, and a semantic query is embedded first. Shared by the HTTP
routes and the BaseStore graphs use."""

from __future__ import annotations

from typing import Any

from ..domain.memory_store import Namespace, check_item_address, check_labels
from .commands.memory_store import StoreDeps, refresh_ttl
from .queries import memory_store as q


def _refreshing(deps: StoreDeps, refresh: bool | None) -> bool:
    return deps.ttl.refresh_on_read if refresh is None else refresh


async def get_item(
    deps: StoreDeps, namespace: Namespace, key: str, refresh: bool | None = None
) -> dict[str, Any] | None:
    namespace = check_item_address(namespace, key)
    row = await q.get_item(deps.db, namespace, key, deps.clock.now())
    if row is not None and _refreshing(deps, refresh):
        await refresh_ttl([row], deps)
    return row


async def search_items(
    deps: StoreDeps,
    prefix: Namespace,
    *,
    filter: dict[str, Any] | None = None,
    limit: int = 10,
    offset: int = 0,
    query: str | None = None,
    refresh: bool | None = None,
) -> list[dict[str, Any]]:
    prefix = check_labels(prefix, what="namespace_prefix")
    q.check_page(limit, offset)
    # Without an index a query is ignored, as in LangGraph's own stores.
    vector = None
    if query and deps.index is not None:
        vector = [float(x) for x in await deps.index.embed_query(query)]
    rows = await q.search_items(
        deps.db,
        prefix,
        now=deps.clock.now(),
        filter=filter,
        limit=limit,
        offset=offset,
        query_vector=vector,
    )
    if rows and _refreshing(deps, refresh):
        await refresh_ttl(rows, deps)
    return rows


async def list_namespaces(
    deps: StoreDeps,
    *,
    prefix: Namespace = (),
    suffix: Namespace = (),
    max_depth: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[list[str]]:
    return await q.list_namespaces(
        deps.db,
        now=deps.clock.now(),
        prefix=check_labels(prefix, what="prefix"),
        suffix=check_labels(suffix, what="suffix"),
        max_depth=max_depth,
        limit=limit,
        offset=offset,
    )
