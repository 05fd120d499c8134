"""langgraph.json `http` switches on the app: disable_* leaves route groups
out (at the root and under /api/v1); CORS is on by default (this machine's
pages and Studio without auth, any origin with it) and configurable."""

from __future__ import annotations

import httpx
import pytest

from duragraph.api.app import create_app
from duragraph.api.http_options import HttpConfigError
from duragraph.api.services import Services
from duragraph.bootstrap import console_on
from duragraph.settings import Settings


def app_with(http: dict | None, **options):
    services = Services(
        store=None,
        db=None,
        clock=None,
        graphs=None,
        checkpointer=None,
        streams=None,
        states=None,
        info={"version": "test"},
    )
    return create_app(services, http=http, **options)


async def call(app, method: str, path: str, **kwargs) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as http:
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
    flags = (await call(app, "GET", "/info")).json()["flags"]
    assert (flags["assistants"], flags["crons"]) == (False, False)  # /info says they are off


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


def preflight(origin: str) -> dict[str, str]:
    return {"Origin": origin, "Access-Control-Request-Method": "POST"}


async def test_without_auth_cors_allows_this_machine_and_studio_only() -> None:
    app = app_with(None)
    for origin in (
        "http://localhost:3000",
        "https://127.0.0.1",
        "http://[::1]:8080",
        "https://smith.langchain.com",
    ):
        allowed = await call(app, "OPTIONS", "/threads", headers=preflight(origin))
        assert allowed.status_code == 200, origin
        assert allowed.headers["access-control-allow-origin"] == origin
    for origin in ("https://example.com", "http://localhost.example.com", "null"):
        refused = await call(app, "OPTIONS", "/threads", headers=preflight(origin))
        assert refused.status_code == 400, origin
        assert "access-control-allow-origin" not in refused.headers


async def test_with_auth_cors_allows_any_origin_but_no_credentials() -> None:
    response = await call(
        app_with(None, auth_enabled=True),
        "OPTIONS",
        "/ok",
        headers=preflight("https://example.com"),
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers


async def test_a_configured_wildcard_never_allows_credentials() -> None:
    app = app_with(
        {"cors": {"allow_origins": ["*"], "allow_methods": ["*"], "allow_credentials": True}}
    )
    checked = await call(app, "OPTIONS", "/threads", headers=preflight("https://evil.example"))
    simple = await call(
        app, "GET", "/ok", headers={"Origin": "https://evil.example", "Cookie": "session=1"}
    )
    for response in (checked, simple):
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in response.headers


async def test_configured_credentials_stay_for_listed_origins() -> None:
    app = app_with({"cors": {"allow_origins": ["https://app.example"], "allow_credentials": True}})
    response = await call(app, "GET", "/ok", headers={"Origin": "https://app.example"})
    assert response.headers["access-control-allow-credentials"] == "true"


async def test_cors_follows_the_configured_origins() -> None:
    app = app_with({"cors": {"allow_origins": ["https://app.example"], "allow_methods": ["GET"]}})
    allowed = await call(app, "GET", "/ok", headers={"Origin": "https://app.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://app.example"
    other = await call(app, "GET", "/ok", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_an_unknown_cors_option_is_named() -> None:
    with pytest.raises(HttpConfigError, match="allow_everything"):
        app_with({"cors": {"allow_everything": True}})


def test_allowed_hosts_must_be_a_list_of_names() -> None:
    with pytest.raises(HttpConfigError, match="allowed_hosts"):
        app_with({"allowed_hosts": "agents.example.com"})


async def test_the_console_is_served_only_when_on() -> None:
    on, off = app_with(None, with_console=True), app_with(None)
    page = await call(on, "GET", "/console/threads")
    assert page.status_code == 200 and "js/main.js" in page.text
    assert (await call(off, "GET", "/console/threads")).status_code == 404
    # not under /api/v1: the page is not part of the API
    assert (await call(on, "GET", "/api/v1/console/")).status_code == 404


async def test_a_console_asset_is_found_only_by_its_exact_name() -> None:
    app = app_with(None, with_console=True)
    escape = await call(app, "GET", "/console/..%2f..%2fapi%2fconsole.py")
    assert escape.status_code == 404
    assert (
        (await call(app, "GET", "/console/console.css"))
        .headers["content-type"]
        .startswith("text/css")
    )


def test_the_console_switch_is_the_flag_then_langgraph_json_then_the_mode() -> None:
    assert console_on(Settings(console=False), {"console": True}, True) is False
    assert console_on(Settings(), {"console": True}, False) is True
    assert console_on(Settings(), None, True) is True  # dev
    assert console_on(Settings(), None, False) is False  # serve
    with pytest.raises(HttpConfigError, match=r"http\.console"):
        console_on(Settings(), {"console": "yes"}, True)
