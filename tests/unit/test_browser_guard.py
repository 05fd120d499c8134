"""The browser guard on the app: which hosts and origins pass, from the
effective CORS policy, the allowed hosts and whether auth is configured."""

from __future__ import annotations

import httpx

from duragraph.api.app import create_app
from duragraph.api.browser_guard import AllowedHosts, AllowedOrigins, host_name
from duragraph.api.http_options import LOCAL_CORS
from duragraph.api.services import Services


def app_with(http: dict | None = None, **options):
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


async def get(app, path: str, host: str = "localhost:2024", **headers: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=f"http://{host}") as http:
        return await http.get(path, headers=headers)


async def post(app, path: str, origin: str, host: str = "localhost:2024") -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=f"http://{host}") as http:
        return await http.post(
            path, content=b"{}", headers={"Origin": origin, "Content-Type": "text/plain"}
        )


def test_a_host_name_drops_the_port_and_keeps_ipv6_brackets() -> None:
    assert host_name("LocalHost:2024") == "localhost"
    assert host_name("[::1]:2024") == "[::1]"
    assert host_name("[::1]") == "[::1]"
    assert host_name("127.0.0.1") == "127.0.0.1"


def test_loopback_names_are_always_allowed_and_others_only_when_listed() -> None:
    hosts = AllowedHosts(["agents.example.com", "*.corp.example", "10.0.0.5:2024"])
    for host in (
        "localhost:2024",
        "127.0.0.1",
        "[::1]:80",
        "app.localhost:3000",
        "localhost.",
        "agents.example.com",
        "AGENTS.example.com:443",
        "a.b.corp.example",
        "10.0.0.5",
    ):
        assert host in hosts, host
    for host in (
        "evil.example",
        "corp.example",
        "localhost.evil.example",
        "127.0.0.2",
        "agents.example.com.evil.example",
        "",
    ):
        assert host not in hosts, host
    assert "evil.example" in AllowedHosts(["*"])
    assert "evil.example" in AllowedHosts([], any_host=True)


def test_origins_match_as_cors_does() -> None:
    local = AllowedOrigins(LOCAL_CORS)
    for origin in (
        "http://localhost",
        "https://localhost:3000",
        "http://127.0.0.1:2024",
        "http://[::1]:5173",
        "https://smith.langchain.com",
    ):
        assert origin in local, origin
    for origin in (
        "https://evil.example",
        "http://localhost.evil.example",
        "null",
        "http://localhost:3000.evil.example",
        "https://smith.langchain.com.evil",
    ):
        assert origin not in local, origin
    assert "https://evil.example" in AllowedOrigins({"allow_origins": ["*"]})


async def test_a_foreign_host_is_refused_but_the_health_check_answers() -> None:
    app = app_with()
    refused = await get(app, "/info", host="evil.example")
    assert refused.status_code == 400
    assert "evil.example" in refused.json()["detail"]
    assert "DURAGRAPH_ALLOWED_HOSTS" in refused.json()["detail"]
    assert (await get(app, "/ok", host="evil.example")).status_code == 200
    assert (await get(app, "/info", host="127.0.0.1:2024")).status_code == 200


async def test_allowed_hosts_come_from_the_setting_and_from_langgraph_json() -> None:
    app = app_with({"allowed_hosts": ["agents.example.com"]}, allowed_hosts=("box.lan",))
    for host in ("agents.example.com", "box.lan:2024"):
        assert (await get(app, "/info", host=host)).status_code == 200, host
    assert (await get(app, "/info", host="evil.example")).status_code == 400


async def test_with_auth_any_host_passes_unless_hosts_are_listed() -> None:
    assert (await get(app_with(auth_enabled=True), "/info", host="evil.example")).status_code == 200
    listed = app_with(auth_enabled=True, allowed_hosts=("agents.example.com",))
    assert (await get(listed, "/info", host="evil.example")).status_code == 400


async def test_a_write_from_a_foreign_origin_is_refused_before_the_handler() -> None:
    refused = await post(app_with(), "/threads", "https://evil.example")
    assert refused.status_code == 403
    assert refused.json() == {
        "detail": "origin https://evil.example is not allowed: add it "
        "to http.cors.allow_origins in langgraph.json"
    }


async def test_reads_and_requests_without_an_origin_pass() -> None:
    app = app_with()
    read = await get(app, "/info", Origin="https://evil.example")
    assert read.status_code == 200 and "access-control-allow-origin" not in read.headers
    assert (await get(app, "/info")).status_code == 200


async def test_a_same_origin_write_passes() -> None:
    app = app_with(allowed_hosts=("box.lan",))
    response = await post(app, "/ok", "http://box.lan:2024", host="box.lan:2024")
    assert response.status_code == 405  # reached the routes: /ok has no POST


async def test_a_configured_policy_decides_the_origins() -> None:
    app = app_with({"cors": {"allow_origins": ["https://app.example"]}})
    assert (await post(app, "/ok", "http://localhost:3000")).status_code == 403
    assert (await post(app, "/ok", "https://app.example")).status_code == 405
    anyone = app_with({"cors": {"allow_origins": ["*"]}})
    assert (await post(anyone, "/ok", "https://evil.example")).status_code == 405
