"""The server's calls to itself (langgraph_sdk's in-process client, relative
webhooks) pass authentication and every @auth.on check, as on the official
server; a request from the network with the same path does not."""

from __future__ import annotations

from typing import Any

import httpx
from langgraph_sdk import Auth
from starlette.responses import JSONResponse

from duragraph.api import loopback
from duragraph.api.auth.middleware import AuthMiddleware
from duragraph.api.auth.service import CustomAuth


def _strict_auth() -> CustomAuth:
    auth = Auth()

    @auth.authenticate
    async def nobody(authorization: str | None) -> Any:
        raise Auth.exceptions.HTTPException(status_code=401, detail="no one gets in")

    @auth.on
    async def deny(ctx: Any, value: Any) -> bool:
        return False

    return CustomAuth(auth, studio=False)


def _app(auth: CustomAuth):
    async def threads(scope: dict, receive: Any, send: Any) -> None:
        verdict = await auth.authorize("threads", "read", {"thread_id": "t"})
        await JSONResponse({"filter": verdict})(scope, receive, send)

    return AuthMiddleware(threads, auth=auth)


async def test_an_in_process_call_skips_authentication_and_the_handlers() -> None:
    auth = _strict_auth()
    async with loopback.client(_app(auth), timeout=5) as http:
        response = await http.get("/threads/t")
    assert response.status_code == 200 and response.json() == {"filter": None}


async def test_the_same_request_from_the_network_is_refused() -> None:
    transport = httpx.ASGITransport(_app(_strict_auth()))
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as http:
        response = await http.get("/threads/t")
    assert response.status_code == 401 and response.json() == {"detail": "no one gets in"}
