from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from ...application import memory_store_reads as reads
from ...application.commands.memory_store import DEFAULT_TTL, PutItem, StoreDeps, write_items
from ..responses import JSON
from ..schemas import StoreDelete, StoreNamespaces, StorePut, StoreSearch
from ..services import Services, services
from ..memory_store_access import authorize_store, narrowed

router = APIRouter(prefix="/store", tags=["store"])


def _item(row: dict[str, Any], *, score: bool = False) -> dict[str, Any]:
    # The namespace as stored: a handler's rewrite (e.g. the identity prefix) shows, as upstream.
    item = {k: row[k] for k in ("namespace", "key", "value", "created_at", "updated_at")}
    return item | {"score": row["score"]} if score else item


def _memory(s: Services) -> StoreDeps:
    assert s.memory is not None, "bootstrap wires the memory store"
    return s.memory


def _ttl(body: StorePut, ttl: float | None) -> Any:
    # An absent ttl (that no handler set) means the store's default_ttl; an explicit null, none.
    return ttl if ttl is not None or "ttl" in body.model_fields_set else DEFAULT_TTL


@router.put("/items", status_code=204)
async def put(body: StorePut, s: Services = Depends(services)) -> None:
    v: dict[str, Any] = {
        "namespace": tuple(body.namespace),
        "key": body.key,
        "value": body.value,
        "index": body.index,
        "ttl": body.ttl,
    }
    await authorize_store(s, "put", v)
    await write_items(
        [PutItem(tuple(v["namespace"]), v["key"], v["value"], v["index"], _ttl(body, v["ttl"]))],
        _memory(s),
    )


@router.delete("/items", status_code=204)
async def delete(body: StoreDelete, s: Services = Depends(services)) -> None:
    v: dict[str, Any] = {"namespace": tuple(body.namespace), "key": body.key}
    await authorize_store(s, "delete", v)
    await write_items([PutItem(tuple(v["namespace"]), v["key"], None)], _memory(s))


def _namespace(request: Request) -> tuple[str, ...]:
    """The SDK joins the labels with '.'; a repeated parameter is a list."""
    given = request.query_params.getlist("namespace")
    if len(given) == 1:
        return tuple(given[0].split(".")) if given[0] else ()
    return tuple(given)


@router.get("/items")
async def get(
    request: Request,
    key: str = Query(...),
    refresh_ttl: bool | None = None,
    s: Services = Depends(services),
) -> JSON:
    v: dict[str, Any] = {"namespace": _namespace(request), "key": key, "refresh_ttl": refresh_ttl}
    await authorize_store(s, "get", v)
    row = await reads.get_item(_memory(s), tuple(v["namespace"]), v["key"], v["refresh_ttl"])
    # As the official server: a missing item is null, which the SDK returns as None.
    return JSON(None if row is None else _item(row))


@router.post("/items/search")
async def search(body: StoreSearch, s: Services = Depends(services)) -> JSON:
    v: dict[str, Any] = {
        "namespace": tuple(body.namespace_prefix or ()),
        "filter": body.filter,
        "limit": body.limit,
        "offset": body.offset,
        "query": body.query,
        "refresh_ttl": body.refresh_ttl,
    }
    flt = await authorize_store(s, "search", v)
    rows = await reads.search_items(
        _memory(s),
        tuple(v["namespace"]),
        filter=narrowed(v["filter"], flt),
        limit=v["limit"],
        offset=v["offset"],
        query=v["query"],
        refresh=v["refresh_ttl"],
    )
    return JSON({"items": [_item(r, score=True) for r in rows]})


@router.post("/namespaces")
async def namespaces(body: StoreNamespaces, s: Services = Depends(services)) -> JSON:
    # As upstream, the handler sees the prefix as `namespace`, and None for no condition.
    v: dict[str, Any] = {
        "namespace": tuple(body.prefix) if body.prefix else None,
        "suffix": tuple(body.suffix) if body.suffix else None,
        "max_depth": body.max_depth,
        "limit": body.limit,
        "offset": body.offset,
    }
    await authorize_store(s, "list_namespaces", v)
    found = await reads.list_namespaces(
        _memory(s),
        prefix=tuple(v["namespace"] or ()),
        suffix=tuple(v["suffix"] or ()),
        max_depth=v["max_depth"],
        limit=v["limit"],
        offset=v["offset"],
    )
    return JSON({"namespaces": found})
