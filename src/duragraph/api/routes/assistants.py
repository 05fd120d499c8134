from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import APIRouter, Depends, Query

from ...application.commands import assistants as cmd
from ...application.queries import assistants as q
from ...infrastructure.graphs.introspection import graph_json, graph_schemas, subgraphs
from ...domain.errors import InvalidInput, NotFound
from ..access import authorize, require, require_new
from ..auth.authenticate import AuthFailure
from ..pagination import paged
from ..responses import JSON
from ..schemas import (
    AssistantCount,
    AssistantCreate,
    AssistantPatch,
    AssistantSearch,
    AssistantVersionChange,
    AssistantVersionsSearch,
)
from ..services import Services, services

log = logging.getLogger(__name__)
router = APIRouter(prefix="/assistants", tags=["assistants"])


def _key(s: Services, assistant_id: str) -> str:
    """A graph id stands for its default assistant."""
    return cmd.default_assistant_id(assistant_id) if s.graphs.has(assistant_id) else assistant_id


async def _get(
    s: Services, assistant_id: str, action: str = "read", value: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The assistant, if the caller may `action` it (else 404, as if missing)."""
    key = _key(s, assistant_id)
    await require(s, "assistants", action, key, value)
    return await q.get_assistant(s.db, key)


@router.post("")
async def create(body: AssistantCreate, s: Services = Depends(services)) -> JSON:
    value: dict[str, Any] = {
        "assistant_id": body.assistant_id,
        "graph_id": body.graph_id,
        "config": body.config,
        "context": body.context,
        "metadata": body.metadata,
        "name": body.name,
    }
    await require_new(
        s, "assistants", body.assistant_id, await authorize(s, "assistants", "create", value)
    )
    assistant_id = await cmd.create_assistant(
        cmd.CreateAssistant(
            graph_id=body.graph_id,
            assistant_id=body.assistant_id,
            name=body.name,
            description=body.description,
            config=body.config,
            context=body.context,
            metadata=value["metadata"] or {},
            if_exists=body.if_exists,
        ),
        s.store,
        s.clock,
        s.graphs,
    )
    return JSON(await q.get_assistant(s.db, assistant_id))


async def _visible(
    s: Services, body: AssistantSearch | AssistantCount, limit: int, offset: int
) -> dict[str, Any] | None:
    if body.graph_id is not None:  # an unknown one is a 404, as upstream
        cmd.require_graph(s.graphs, body.graph_id)
    return await authorize(
        s,
        "assistants",
        "search",
        {"graph_id": body.graph_id, "metadata": body.metadata, "limit": limit, "offset": offset},
    )


@router.post("/search")
async def search(body: AssistantSearch, s: Services = Depends(services)) -> JSON:
    visible = await _visible(s, body, body.limit, body.offset)
    rows, next_offset = await q.search_assistants(s.db, **body.model_dump(), visible=visible)
    return paged(rows, next_offset, body.offset)


@router.post("/count")
async def count(body: AssistantCount, s: Services = Depends(services)) -> JSON:
    visible = await _visible(s, body, 0, 0)
    return JSON(await q.count_assistants(s.db, **body.model_dump(), visible=visible))


@router.get("/{assistant_id}")
async def get(assistant_id: str, s: Services = Depends(services)) -> JSON:
    return JSON(await _get(s, assistant_id))


@router.patch("/{assistant_id}")
async def patch(assistant_id: str, body: AssistantPatch, s: Services = Depends(services)) -> JSON:
    key = _key(s, assistant_id)
    value: dict[str, Any] = {
        "assistant_id": key,
        "graph_id": body.graph_id,
        "config": body.config,
        "context": body.context,
        "metadata": body.metadata,
        "name": body.name,
    }
    current = await _get(s, key, "update", value)
    await cmd.update_assistant(
        cmd.UpdateAssistant(
            assistant_id=current["assistant_id"],
            **{**body.model_dump(), "metadata": value["metadata"]},
        ),
        s.store,
        s.clock,
        s.graphs,
    )
    return JSON(await q.get_assistant(s.db, current["assistant_id"]))


@router.delete("/{assistant_id}", status_code=204)
async def delete(
    assistant_id: str, delete_threads: bool = Query(False), s: Services = Depends(services)
) -> None:
    current_id = (await _get(s, assistant_id, "delete"))["assistant_id"]
    thread_ids = await q.thread_ids_of(s.db, current_id) if delete_threads else []
    if s.auth.enabled:
        thread_ids = [t for t in thread_ids if await _may_delete_thread(s, t)]
    await cmd.delete_assistant_and_threads(current_id, thread_ids, s.store, s.clock)


async def _may_delete_thread(s: Services, thread_id: str) -> bool:
    """The threads go as the caller deletes them: one they may not delete stays."""
    try:
        await require(s, "threads", "delete", thread_id)
    except (NotFound, AuthFailure):
        log.warning(
            "delete_threads: thread %s left in place: not the caller's to delete", thread_id
        )
        return False
    return True


@router.post("/{assistant_id}/versions")
async def versions(
    assistant_id: str, body: AssistantVersionsSearch | None = None, s: Services = Depends(services)
) -> JSON:
    """Versions whose own metadata misses the caller's filter are left out;
    none left is a 404, as upstream, or a 422 for an id that is not a UUID
    and names no assistant."""
    body = body or AssistantVersionsSearch()
    key = _key(s, assistant_id)
    visible = await authorize(s, "assistants", "read", {"assistant_id": key})
    found = await q.list_versions(
        s.db, key, metadata=body.metadata, limit=body.limit, offset=body.offset, visible=visible
    )
    if not found:
        raise await _missing(s, key)
    return JSON(found)


async def _missing(s: Services, assistant_id: str) -> Exception:
    """Why nothing is there: upstream takes only UUIDs for assistant ids (422
    for another); here an assistant may have another id, so only an unknown
    one is malformed."""
    try:
        uuid.UUID(assistant_id)
    except ValueError:
        try:
            await q.get_assistant(s.db, assistant_id)
        except NotFound:
            return InvalidInput("Invalid assistant ID: must be a UUID")
    return NotFound("assistant", assistant_id)


@router.post("/{assistant_id}/latest")
async def set_latest(
    assistant_id: str,
    version: int | None = Query(None),
    body: AssistantVersionChange | None = None,
    s: Services = Depends(services),
) -> JSON:
    """The spec puts `version` in the query; the SDKs send it in the body."""
    version = version if version is not None else (body.version if body else None)
    if version is None:
        raise InvalidInput("version is required (in the query or the JSON body)")
    current = await _get(
        s, assistant_id, "update", {"assistant_id": _key(s, assistant_id), "version": version}
    )
    await cmd.restore_version(current["assistant_id"], version, s.store, s.clock)
    return JSON(await q.get_assistant(s.db, current["assistant_id"]))


@router.get("/{assistant_id}/graph")
async def graph(
    assistant_id: str, xray: bool | int = Query(False), s: Services = Depends(services)
) -> JSON:
    current = await _get(s, assistant_id)
    built = await s.graphs.build(current["graph_id"], current["config"])
    return JSON(graph_json(built, xray=xray))


@router.get("/{assistant_id}/schemas")
async def schemas(assistant_id: str, s: Services = Depends(services)) -> JSON:
    current = await _get(s, assistant_id)
    built = await s.graphs.build(current["graph_id"], current["config"])
    return JSON(graph_schemas(current["graph_id"], built))


async def _subgraphs(s: Services, assistant_id: str, namespace: str | None, recurse: bool) -> JSON:
    current = await _get(s, assistant_id)
    built = await s.graphs.build(current["graph_id"], current["config"])
    return JSON(subgraphs(built, namespace=namespace, recurse=recurse))


@router.get("/{assistant_id}/subgraphs")
async def all_subgraphs(
    assistant_id: str, recurse: bool = Query(False), s: Services = Depends(services)
) -> JSON:
    return await _subgraphs(s, assistant_id, None, recurse)


@router.get("/{assistant_id}/subgraphs/{namespace}")
async def namespace_subgraphs(
    assistant_id: str, namespace: str, recurse: bool = Query(False), s: Services = Depends(services)
) -> JSON:
    return await _subgraphs(s, assistant_id, namespace, recurse)
