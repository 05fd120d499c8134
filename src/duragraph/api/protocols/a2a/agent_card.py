"""Each assistant's A2A agent card: who it is, what it takes, and where to
send it JSON-RPC (`url`: the public URL, under /api/v1 when the card was
read there)."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from ...responses import JSON
from ...services import Services, services
from .. import invocation

router = APIRouter(tags=["a2a"])

MODES = ["application/json", "text/plain"]


@router.get("/.well-known/agent-card.json")
async def agent_card(
    request: Request, assistant_id: str = Query(...), s: Services = Depends(services)
) -> JSON:
    return JSON(await _card(s, request, assistant_id))


@router.get("/a2a/{assistant_id}")
@router.get("/a2a/{assistant_id}/.well-known/agent-card.json", include_in_schema=False)
@router.get("/a2a/{assistant_id}/.well-known/agent.json", include_in_schema=False)
async def assistant_card(
    assistant_id: str, request: Request, s: Services = Depends(services)
) -> JSON:
    return JSON(await _card(s, request, assistant_id))


async def _card(s: Services, request: Request, assistant_id: str) -> dict[str, Any]:
    assistant = await invocation.find_assistant(s, assistant_id)
    schema = await invocation.input_schema(s, assistant) or {}
    name = assistant["name"]
    description = assistant.get("description") or f"{name} assistant"
    url = f"{_base_url(s, request)}/a2a/{assistant['assistant_id']}"
    return {
        "protocolVersion": "0.3.0",
        "name": name,
        "description": description,
        "url": url,
        "preferredTransport": "JSONRPC",
        "version": s.info.get("version", "0"),
        "capabilities": {
            "streaming": True,
            "pushNotifications": False,
            "stateTransitionHistory": False,
        },
        "defaultInputModes": MODES,
        "defaultOutputModes": MODES,
        "skills": [_skill(assistant, description, schema)],
    }


def _skill(assistant: dict[str, Any], description: str, schema: dict[str, Any]) -> dict:
    properties = schema.get("properties") or {}
    return {
        "id": f"{assistant['assistant_id']}-main",
        "name": f"{assistant['name']} Capabilities",
        "description": description,
        "tags": ["assistant", "langgraph"],
        "examples": [],
        "inputModes": MODES,
        "outputModes": MODES,
        "metadata": {
            "inputSchema": {
                "required": schema.get("required", []),
                "properties": sorted(properties),
                "supportsA2A": "messages" in properties,
            }
        },
    }


_MOUNT = re.compile(r"^(.*?)/(?:a2a/|\.well-known/)")


def _base_url(s: Services, request: Request) -> str:
    """Where this server is reached (configured, not the request's Host), with
    the /api/v1 prefix if the card came through it."""
    found = _MOUNT.match(request.url.path)
    return f"{s.public_url}{found.group(1) if found else ''}"
