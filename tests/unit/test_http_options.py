"""langgraph.json `http` switches on the app: disable_* leaves route groups
out (at the root and under /api/v1); CORS is on by default and configurable."""
from __future__ import annotations

import httpx
import pytest

from duragraph.api.app import create_app
from duragraph.api.http_options import HttpConfigError
from duragraph.api.services import Services


def app_with(http: dict | None):
    services = Services(store=None, db=None, clock=None, graphs=None, checkpointer=None,
                        streams=None, states=None, info={"version": "test"})
    return create_app(services, http=http)


async def call(app, method: str, path: str, **kwargs) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        return await http.request(method, path, **kwargs)


def paths(app) -> set[str]:
    return set(app.openapi()["paths"])


async def test_disabled_groups_are_gone_and_the_rest_stays() -> None:
    app = app_with({"disable_assistants": True, "disable_runs": True})
    listed = paths(app)
    assert not any(p.startswith("/assistants") for p in listed)
    assert "/threads/{thread_id}/runs" not in listed and "/runs/wait" not in listed
    assert "/threads" in listed and "/threads/{thread_id}" in listed
    for prefix in ("", "/api/v1"):
        response = await call(app, "POST", f"{prefix}/assistants/search", json={})
        assert response.status_code == 404
        assert (await call(app, "GET", f"{prefix}/ok")).json() == {"ok": True}


async def test_disable_a2a_takes_the_agent_card_too() -> None:
    listed = paths(app_with({"disable_a2a": True}))
    assert not any(p.startswith(("/a2a", "/.well-known")) for p in listed)
    assert "/mcp" in listed


async def test_without_switches_every_group_is_served() -> None:
    listed = paths(app_with(None))
    assert {"/assistants/search", "/threads", "/runs/wait", "/metrics", "/docs"} <= listed


async def test_disable_meta_keeps_only_the_health_check() -> None:
    app = app_with({"disable_meta": True})
    for path in ("/info", "/metrics", "/docs", "/openapi.json"):
        assert (await call(app, "GET", path)).status_code == 404, path
    assert (await call(app, "GET", "/ok")).status_code == 200


async def test_cors_allows_any_origin_by_default() -> None:
    response = await call(app_with(None), "OPTIONS", "/ok", headers={
        "Origin": "https://example.com", "Access-Control-Request-Method": "GET"})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"


async def test_cors_follows_the_configured_origins() -> None:
    app = app_with({"cors": {"allow_origins": ["https://app.example"],
                             "allow_methods": ["GET"]}})
    allowed = await call(app, "GET", "/ok", headers={"Origin": "https://app.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://app.example"
    other = await call(app, "GET", "/ok", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_an_unknown_cors_option_is_named() -> None:
    with pytest.raises(HttpConfigError, match="allow_everything"):
        app_with({"cors": {"allow_everything": True}})
