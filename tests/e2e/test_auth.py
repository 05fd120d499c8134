"""Custom auth (langgraph.json `auth`): authentication at the edge, run
creation authorized as threads.create_run, and the caller's identity carried
by the run into the graph. Two users, alice and bob (tests/graphs/auth.py)."""

from __future__ import annotations

import uuid

import httpx
import pytest

from e2e_servers import as_user, refused_with

pytestmark = pytest.mark.e2e


async def test_a_request_without_credentials_is_refused_with_the_handlers_401(auth_server_url):
    response = httpx.post(f"{auth_server_url}/threads/search", json={})
    assert response.status_code == 401
    assert response.json() == {"detail": "missing bearer token"}
    assert response.headers["www-authenticate"] == "Bearer"
    bad = httpx.get(
        f"{auth_server_url}/assistants/search", headers={"Authorization": "Bearer nope"}
    )
    assert bad.status_code in (401, 405) and "detail" in bad.json()


async def test_operational_routes_stay_open(auth_server_url):
    for path in ("/ok", "/info", "/openapi.json", "/docs"):
        assert httpx.get(f"{auth_server_url}{path}").status_code == 200, path


async def test_the_api_v1_alias_is_protected_too(auth_server_url):
    assert httpx.post(f"{auth_server_url}/api/v1/threads", json={}).status_code == 401


async def test_a_graph_sees_the_caller_through_server_info_and_config(alice):
    thread = await alice.threads.create()
    result = await alice.runs.wait(thread["thread_id"], "whoami", input={})
    assert result["seen"] == {
        "server_info_identity": "alice",
        "user_id": "alice",
        "permissions": ["write"],
        "org": "acme",
        "headers": {},
    }


async def test_configured_headers_reach_the_run_but_credentials_never_do(auth_server_url):
    # langgraph.auth.json: includes x-team-*, authorization and x-api-key; excludes x-team-secret
    response = httpx.post(
        f"{auth_server_url}/runs/wait",
        json={"assistant_id": "whoami", "input": {}},
        headers={
            "Authorization": "Bearer token-alice",
            "x-api-key": "k",
            "x-team-name": "blue",
            "x-team-secret": "s",
            "x-other": "o",
        },
    )
    assert response.json()["seen"]["headers"] == {"x-team-name": "blue"}


async def test_a_client_cannot_claim_another_identity_through_the_config(alice):
    thread = await alice.threads.create()
    result = await alice.runs.wait(
        thread["thread_id"],
        "whoami",
        input={},
        config={
            "configurable": {
                "langgraph_auth_user_id": "bob",
                "langgraph_auth_user": {"identity": "bob"},
            }
        },
    )
    assert result["seen"]["user_id"] == "alice"
    assert result["seen"]["server_info_identity"] == "alice"


async def test_no_one_runs_on_another_users_thread_even_with_if_not_exists_create(alice, bob):
    # GHSA-747p-c922-m55f: conditional thread creation must apply the thread filter.
    thread = await alice.threads.create()
    assert (
        await refused_with(
            bob.runs.create(thread["thread_id"], "echo", input={}, if_not_exists="create")
        )
        == 404
    )
    assert await refused_with(bob.runs.wait(thread["thread_id"], "echo", input={})) == 404


async def test_a_thread_created_by_a_run_belongs_to_the_runs_creator(alice, bob):
    thread_id = str(uuid.uuid4())
    await alice.runs.wait(thread_id, "echo", input={}, if_not_exists="create")
    thread = await alice.threads.get(thread_id)
    assert thread["metadata"]["owner"] == "alice"
    assert await refused_with(bob.runs.wait(thread_id, "echo", input={})) == 404


async def test_a_stateless_run_acts_as_its_caller(auth_server_url):
    bob = as_user(auth_server_url, "bob")
    result = await bob.runs.wait(None, "whoami", input={})
    assert result["seen"]["user_id"] == "bob"


async def test_studio_is_let_in_as_a_local_user_only_under_dev(auth_server_url, request):
    # As `langgraph dev`: x-auth-scheme: langsmith skips authenticate and the
    # caller is StudioUser("langgraph-studio-user"); `serve` ignores the header.
    studio = {"x-auth-scheme": "langsmith"}
    response = httpx.post(f"{auth_server_url}/threads", json={}, headers=studio)
    if request.node.callspec.params["auth_server_url"] == "dev":
        assert response.status_code == 200
        assert response.json()["metadata"]["owner"] == "langgraph-studio-user"
    else:
        assert response.status_code == 401
