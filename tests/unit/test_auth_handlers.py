"""Which @auth.on handler runs for an event, and what its result means;
what an authenticate handler may return and how its failures answer."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from langgraph_sdk import Auth
from starlette.authentication import AuthenticationError

from duragraph.api.auth.authenticate import (
    AuthFailure,
    AuthSetupError,
    arguments,
    call,
    check_signature,
    normalize,
)
from duragraph.api.auth.authorize import Handlers, run_handler, verdict
from duragraph.domain.identity import AuthUser


def _named(name: str):
    async def handler(ctx: Any, value: Any) -> str:
        return name

    return handler


def _handlers(**registrations: Any) -> Handlers:
    auth = Auth()
    for key, fn in registrations.items():
        resource, _, action = key.partition("__")
        if resource == "global":
            auth.on(fn)
        elif action:
            getattr(getattr(auth.on, resource), action)(fn)
        else:
            getattr(auth.on, resource)(fn)
    return Handlers.of(auth)


def _name(found: Any) -> Any:
    return None if found is None else asyncio.run(found(ctx=None, value=None))


def test_the_most_specific_handler_wins():
    h = _handlers(
        threads__create=_named("threads.create"),
        threads=_named("threads"),
        **{"global": _named("global")},
    )
    assert _name(h.find("threads", "create")) == "threads.create"
    assert _name(h.find("threads", "read")) == "threads"
    assert _name(h.find("assistants", "read")) == "global"


def test_a_wildcard_resource_with_an_action_comes_before_the_global_handler():
    auth = Auth()
    auth.on(resources="*", actions=["read"])(_named("*.read"))
    auth.on(_named("global"))
    h = Handlers.of(auth)
    assert _name(h.find("crons", "read")) == "*.read"
    assert _name(h.find("crons", "delete")) == "global"


def test_resource_and_action_lists_register_their_cross_product():
    auth = Auth()
    auth.on(resources=["threads", "crons"], actions=["read", "search"])(_named("both"))
    h = Handlers.of(auth)
    assert [_name(h.find(r, a)) for r in ("threads", "crons") for a in ("read", "search")] == [
        "both"
    ] * 4
    assert h.find("threads", "create") is None


def test_no_handler_means_allow_and_the_uncovered_actions_are_listed():
    h = _handlers(threads=_named("threads"))
    assert h.find("store", "put") is None
    uncovered = h.uncovered()
    assert "store.put" in uncovered and "assistants.read" in uncovered
    assert not any(u.startswith("threads.") for u in uncovered)


@pytest.mark.parametrize(
    "result, expected", [(None, None), (True, None), ({}, None), ({"owner": "a"}, {"owner": "a"})]
)
def test_none_true_and_empty_allow_and_a_dict_is_a_filter(result, expected):
    assert verdict(result, "threads", "read") == expected


def test_false_is_forbidden_and_anything_else_is_a_server_error():
    with pytest.raises(AuthFailure) as denied:
        verdict(False, "threads", "read")
    assert denied.value.status == 403
    with pytest.raises(AuthFailure) as odd:
        verdict("yes", "threads", "read")
    assert odd.value.status == 500


def test_an_assertion_in_a_handler_is_a_403_with_its_message():
    async def strict(ctx: Any, value: Any) -> None:
        if not value.get("metadata"):  # (pytest rewrites a bare assert here)
            raise AssertionError("metadata is required")

    with pytest.raises(AuthFailure) as failure:
        asyncio.run(run_handler(strict, AuthUser({"identity": "a"}), "threads", "create", {}))
    assert (failure.value.status, failure.value.detail) == (403, "metadata is required")


def test_a_handler_sees_the_user_permissions_resource_and_action():
    seen = {}

    async def spy(ctx: Any, value: Any) -> None:
        seen.update(
            user=ctx.user.identity,
            permissions=list(ctx.permissions),
            resource=ctx.resource,
            action=ctx.action,
            org=ctx.user.org,
        )

    user = AuthUser({"identity": "a", "permissions": ["p"], "org": "acme"})
    asyncio.run(run_handler(spy, user, "crons", "search", {}))
    assert seen == {
        "user": "a",
        "permissions": ["p"],
        "resource": "crons",
        "action": "search",
        "org": "acme",
    }


# -- authenticate ------------------------------------------------------------


def test_every_return_shape_becomes_a_user_with_attribute_and_item_access():
    from_str = normalize("alice")
    assert (from_str.identity, from_str.permissions, from_str.display_name) == (
        "alice",
        [],
        "alice",
    )
    from_dict = normalize({"identity": "bob", "permissions": ["w"], "org": "acme"})
    assert (from_dict.org, from_dict["org"], from_dict.is_authenticated) == ("acme", "acme", True)

    class Obj:
        identity, permissions = "carol", ["r"]

    assert normalize(Obj()).identity == "carol"
    pair = normalize((["admin"], {"identity": "dave"}))
    assert (pair.identity, pair.permissions) == ("dave", ["admin"])


def test_a_result_without_an_identity_is_a_server_error():
    with pytest.raises(AuthFailure) as failure:
        normalize({"user": "x"})
    assert failure.value.status == 500


def test_parameters_are_injected_by_name():
    async def handler(
        authorization: str | None, headers: dict, path: str, method: str, query_params: Any
    ) -> str:
        return f"{authorization}|{headers[b'x-k']!r}|{path}|{method}|{query_params['q']}"

    names = check_signature(handler)
    scope = {
        "type": "http",
        "path": "/threads",
        "method": "POST",
        "query_string": b"q=1",
        "headers": [(b"authorization", b"Bearer t"), (b"x-k", b"v")],
    }
    assert asyncio.run(call(handler, arguments(names, scope))) == "Bearer t|b'v'|/threads|POST|1"


def test_an_unknown_required_parameter_stops_startup():
    async def handler(token: str) -> str:
        return token

    with pytest.raises(AuthSetupError, match="token"):
        check_signature(handler)


def test_a_sync_handler_runs_too():
    def handler(authorization: str | None) -> str:
        return "sync-user"

    assert asyncio.run(call(handler, {"authorization": None})) == "sync-user"


@pytest.mark.parametrize(
    "exc, status, detail",
    [
        (Auth.exceptions.HTTPException(401, "no token"), 401, "no token"),
        (Auth.exceptions.HTTPException(403, "banned"), 403, "banned"),
        (Auth.exceptions.HTTPException(), 401, "Unauthorized"),
        (AuthenticationError("nope"), 403, "nope"),
    ],
)
def test_handler_failures_answer_as_upstream(exc, status, detail):
    async def handler() -> str:
        raise exc

    with pytest.raises(AuthFailure) as failure:
        asyncio.run(call(handler, {}))
    assert (failure.value.status, failure.value.detail) == (status, detail)


def test_failure_headers_are_kept():
    async def handler() -> str:
        raise Auth.exceptions.HTTPException(401, "x", headers={"WWW-Authenticate": "Bearer"})

    with pytest.raises(AuthFailure) as failure:
        asyncio.run(call(handler, {}))
    assert failure.value.headers == {"WWW-Authenticate": "Bearer"}


def test_a_request_parameter_is_refused_on_a_websocket():
    with pytest.raises(AuthFailure) as failure:
        arguments(["request"], {"type": "websocket", "path": "/threads/x/stream/events"})
    assert failure.value.status == 403


def test_the_user_survives_being_stored_and_pickled():
    import pickle

    user = AuthUser({"identity": "a", "org": "acme"})
    assert pickle.loads(pickle.dumps(user)).org == "acme"
    assert AuthUser(user.dict()) == user


def _auth_with_token_check() -> Auth:
    auth = Auth()

    @auth.authenticate
    async def who(authorization: str | None) -> str:
        if authorization != "Bearer ok":
            raise Auth.exceptions.HTTPException(401, "no")
        return "user"

    return auth


STUDIO_SCOPE = {
    "type": "http",
    "path": "/threads",
    "method": "POST",
    "headers": [(b"x-auth-scheme", b"langsmith")],
}


def test_studio_skips_authenticate_under_dev_unless_studio_auth_is_disabled():
    from langgraph_sdk.auth.types import StudioUser

    from duragraph.api.auth.service import CustomAuth

    dev = CustomAuth(_auth_with_token_check(), studio=True)
    user = asyncio.run(dev.authenticate(STUDIO_SCOPE))
    assert isinstance(user, StudioUser) and not user.is_authenticated
    for strict in (
        CustomAuth(_auth_with_token_check(), studio=True, disable_studio_auth=True),
        CustomAuth(_auth_with_token_check(), studio=False),
    ):
        with pytest.raises(AuthFailure):
            asyncio.run(strict.authenticate(STUDIO_SCOPE))
