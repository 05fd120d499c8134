from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query

from ...application.commands import assistants as cmd
from ...application.queries import assistants as q
from ...infrastructure.graphs.introspection import graph_json, graph_schemas, subgraphs
from ...domain.errors import InvalidInput
from ..pagination import paged
from ..responses import JSON
from ..schemas import (AssistantCount, AssistantCreate, AssistantPatch, AssistantSearch,
                       AssistantVersionChange, AssistantVersionsSearch)
from ..services import Services, services

router = APIRouter(prefix="/assistants", tags=["assistants"])


async def _get(s: Services, assistant_id: str) -> dict[str, Any]:
    if s.graphs.has(assistant_id):
        assistant_id = cmd.default_assistant_id(assistant_id)
    return await q.get_assistant(s.db, assistant_id)


@router.post("")
async def create(body: AssistantCreate, s: Services = Depends(services)) -> JSON:
    assistant_id = await cmd.create_assistant(cmd.CreateAssistant(
        graph_id=body.graph_id, assistant_id=body.assistant_id, name=body.name,
        description=body.description, config=body.config, context=body.context,
        metadata=body.metadata, if_exists=body.if_exists), s.store, s.clock, s.graphs)
    return JSON(await q.get_assistant(s.db, assistant_id))


@router.post("/search")
async def search(body: AssistantSearch, s: Services = Depends(services)) -> JSON:
    rows, next_offset = await q.search_assistants(s.db, **body.model_dump())
    return paged(rows, next_offset, body.offset)


@router.post("/count")
async def count(body: AssistantCount, s: Services = Depends(services)) -> JSON:
    return JSON(await q.count_assistants(s.db, **body.model_dump()))


@router.get("/{assistant_id}")
async def get(assistant_id: str, s: Services = Depends(services)) -> JSON:
    return JSON(await _get(s, assistant_id))


@router.patch("/{assistant_id}")
async def patch(assistant_id: str, body: AssistantPatch,
                s: Services = Depends(services)) -> JSON:
    current = await _get(s, assistant_id)
    await cmd.update_assistant(cmd.UpdateAssistant(
        assistant_id=current["assistant_id"], **body.model_dump()), s.store, s.clock, s.graphs)
    return JSON(await q.get_assistant(s.db, current["assistant_id"]))


@router.delete("/{assistant_id}", status_code=204)
async def delete(assistant_id: str, delete_threads: bool = Query(False),
                 s: Services = Depends(services)) -> None:
    current_id = (await _get(s, assistant_id))["assistant_id"]
    thread_ids = await q.thread_ids_of(s.db, current_id) if delete_threads else []
    await cmd.delete_assistant_and_threads(current_id, thread_ids, s.store, s.clock)


@router.post("/{assistant_id}/versions")
async def versions(assistant_id: str, body: AssistantVersionsSearch | None = None,
                   s: Services = Depends(services)) -> JSON:
    body = body or AssistantVersionsSearch()
    current = await _get(s, assistant_id)
    return JSON(await q.list_versions(s.db, current["assistant_id"], metadata=body.metadata,
                                      limit=body.limit, offset=body.offset))


@router.post("/{assistant_id}/latest")
async def set_latest(assistant_id: str, version: int | None = Query(None),
                     body: AssistantVersionChange | None = None,
                     s: Services = Depends(services)) -> JSON:
    """The spec puts `version` in the query; the SDKs send it in the body."""
    version = version if version is not None else (body.version if body else None)
    if version is None:
        raise InvalidInput("version is required (in the query or the JSON body)")
    current = await _get(s, assistant_id)
    await cmd.restore_version(current["assistant_id"], version, s.store, s.clock)
    return JSON(await q.get_assistant(s.db, current["assistant_id"]))


@router.get("/{assistant_id}/graph")
async def graph(assistant_id: str, xray: bool | int = Query(False),
                s: Services = Depends(services)) -> JSON:
    current = await _get(s, assistant_id)
    built = await s.graphs.build(current["graph_id"], current["config"])
    return JSON(graph_json(built, xray=xray))


@router.get("/{assistant_id}/schemas")
async def schemas(assistant_id: str, s: Services = Depends(services)) -> JSON:
    current = await _get(s, assistant_id)
    built = await s.graphs.build(current["graph_id"], current["config"])
    return JSON(graph_schemas(current["graph_id"], built))


async def _subgraphs(s: Services, assistant_id: str, namespace: str | None,
                     recurse: bool) -> JSON:
    current = await _get(s, assistant_id)
    built = await s.graphs.build(current["graph_id"], current["config"])
    return JSON(subgraphs(built, namespace=namespace, recurse=recurse))


@router.get("/{assistant_id}/subgraphs")
async def all_subgraphs(assistant_id: str, recurse: bool = Query(False),
                        s: Services = Depends(services)) -> JSON:
    return await _subgraphs(s, assistant_id, None, recurse)


@router.get("/{assistant_id}/subgraphs/{namespace}")
async def namespace_subgraphs(assistant_id: str, namespace: str, recurse: bool = Query(False),
                              s: Services = Depends(services)) -> JSON:
    return await _subgraphs(s, assistant_id, namespace, recurse)
