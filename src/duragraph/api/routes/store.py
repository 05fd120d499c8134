from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from ...application import store_reads as reads
from ...application.commands.store import DEFAULT_TTL, PutItem, write_items
from ..responses import JSON
from ..schemas import StoreDelete, StoreNamespaces, StorePut, StoreSearch
from ..services import Services, services

router = APIRouter(prefix="/store", tags=["store"])


def _item(row: dict[str, Any], *, score: bool = False) -> dict[str, Any]:
    item = {k: row[k] for k in ("namespace", "key", "value", "created_at", "updated_at")}
    return item | {"score": row["score"]} if score else item


@router.put("/items", status_code=204)
async def put(body: StorePut, s: Services = Depends(services)) -> None:
    # An absent ttl means the store's default_ttl; an explicit null, none.
    ttl = body.ttl if "ttl" in body.model_fields_set else DEFAULT_TTL
    await write_items([PutItem(tuple(body.namespace), body.key, body.value, body.index, ttl)],
                      s.memory)


@router.delete("/items", status_code=204)
async def delete(body: StoreDelete, s: Services = Depends(services)) -> None:
    await write_items([PutItem(tuple(body.namespace), body.key, None)], s.memory)


def _namespace(request: Request) -> tuple[str, ...]:
    """The SDK joins the labels with '.'; a repeated parameter is a list."""
    given = request.query_params.getlist("namespace")
    if len(given) == 1:
        return tuple(given[0].split(".")) if given[0] else ()
    return tuple(given)


@router.get("/items")
async def get(request: Request, key: str = Query(...), refresh_ttl: bool | None = None,
              s: Services = Depends(services)) -> JSON:
    row = await reads.get_item(s.memory, _namespace(request), key, refresh_ttl)
    # As the official server: a missing item is null, which the SDK returns as None.
    return JSON(None if row is None else _item(row))


@router.post("/items/search")
async def search(body: StoreSearch, s: Services = Depends(services)) -> JSON:
    rows = await reads.search_items(
        s.memory, tuple(body.namespace_prefix or ()), filter=body.filter, limit=body.limit,
        offset=body.offset, query=body.query, refresh=body.refresh_ttl)
    return JSON({"items": [_item(r, score=True) for r in rows]})


@router.post("/namespaces")
async def namespaces(body: StoreNamespaces, s: Services = Depends(services)) -> JSON:
    found = await reads.list_namespaces(
        s.memory, prefix=tuple(body.prefix or ()), suffix=tuple(body.suffix or ()),
        max_depth=body.max_depth, limit=body.limit, offset=body.offset)
    return JSON({"namespaces": found})
