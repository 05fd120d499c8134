"""The built-in API-key auth (duragraph.auth.api_keys): the key formats, the
constant-time lookup, and what each key's user may see."""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest
from langgraph_sdk import Auth
from langgraph_sdk.auth.types import AuthContext

from duragraph.auth import api_keys
from duragraph.auth.keys import ApiKeysError, KeyRing, anonymous_identity, parse_env, parse_file
from duragraph.infrastructure.graphs.auth_code import load_auth_object
from duragraph.infrastructure.graphs.config import ConfigError, load_config


def test_the_env_format_is_comma_separated_key_equals_identity() -> None:
    assert parse_env(" k1=alice, k2 = bob ,, k3") == [
        ("k1", "alice"),
        ("k2", "bob"),
        ("k3", anonymous_identity("k3")),
    ]


def test_a_key_without_a_name_is_a_user_of_its_own_named_without_revealing_the_key() -> None:
    one, other = anonymous_identity("secret-one"), anonymous_identity("secret-two")
    assert one != other and one == anonymous_identity("secret-one")
    assert one.startswith("key-") and "secret" not in one


def test_the_file_format_is_one_key_and_identity_per_line_with_comments() -> None:
    text = "# team keys\nk1 alice\n\n  k2\tbob  # on call\nk3\n"
    assert parse_file(text, "keys.txt") == [
        ("k1", "alice"),
        ("k2", "bob"),
        ("k3", anonymous_identity("k3")),
    ]


def test_a_malformed_line_is_reported_with_its_line_number() -> None:
    with pytest.raises(ApiKeysError, match=r"keys.txt:2: expected `key \[identity\]`"):
        parse_file("k1 alice\nk2 bob smith\n", "keys.txt")


@pytest.mark.parametrize("text", ["k1=", "k1=a.b", "=alice"])
def test_an_empty_key_or_an_identity_unusable_as_a_namespace_is_rejected(text: str) -> None:
    with pytest.raises(ApiKeysError, match="DURAGRAPH_API_KEYS entry 1"):
        parse_env(text)


def test_a_key_configured_twice_is_rejected_without_printing_the_key() -> None:
    with pytest.raises(ApiKeysError) as error:
        KeyRing([("s3cret", "alice"), ("s3cret", "bob")])
    assert "s3cret" not in str(error.value)


def test_keys_from_the_env_and_the_file_are_merged(tmp_path: Path) -> None:
    path = tmp_path / "keys"
    path.write_text("k2 bob\n")
    keys = KeyRing.from_env(
        {"DURAGRAPH_API_KEYS": "k1=alice", "DURAGRAPH_API_KEYS_FILE": str(path)}
    )
    assert (keys.identity_of("k1"), keys.identity_of("k2"), len(keys)) == ("alice", "bob", 2)


def test_without_any_key_the_error_says_what_to_set() -> None:
    with pytest.raises(ApiKeysError, match=r"DURAGRAPH_API_KEYS .* or DURAGRAPH_API_KEYS_FILE"):
        KeyRing.from_env({"DURAGRAPH_API_KEYS": " , "})


def test_an_unreadable_key_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ApiKeysError, match=r"cannot read .*missing"):
        KeyRing.from_env({"DURAGRAPH_API_KEYS_FILE": str(tmp_path / "missing")})


def test_a_key_maps_to_its_identity_and_anything_else_to_none() -> None:
    keys = KeyRing([("k-alice-123", "alice"), ("k-bob-456", "bob")])
    assert keys.identity_of("k-alice-123") == "alice"
    assert keys.identity_of("k-bob-456") == "bob"
    assert [keys.identity_of(k) for k in ("k-alice-12", "k-alice-1234", "", "alice")] == [None] * 4


def test_the_lookup_compares_equal_length_digests_with_every_key_without_stopping_early() -> None:
    calls: list[tuple[bytes, bytes]] = []

    def compare(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return hmac.compare_digest(a, b)

    keys = KeyRing(
        [("first", "alice"), ("a-much-longer-second-key", "bob"), ("x", "carol")], compare
    )
    assert keys.identity_of("first") == "alice"
    assert len(calls) == 3 and {len(a) for pair in calls for a in pair} == {32}
    assert KeyRing([("k", "a")])._compare is hmac.compare_digest


# The Auth object --------------------------------------------------------------

AUTH = api_keys.build(KeyRing([("k-alice", "alice"), ("k-bob", "bob")]))


async def authenticate(headers: dict[bytes, bytes], authorization: str | None = None) -> Any:
    return await AUTH._authenticate_handler(headers=headers, authorization=authorization)


async def test_the_key_is_read_from_x_api_key_or_a_bearer_token() -> None:
    assert await authenticate({b"x-api-key": b"k-alice"}) == "alice"
    assert await authenticate({}, "Bearer k-bob") == "bob"
    assert await authenticate({}, "bearer  k-bob ") == "bob"


@pytest.mark.parametrize(
    "headers,authorization,detail",
    [
        ({}, None, "missing API key"),
        ({}, "Basic k-alice", "missing API key"),
        ({}, "Bearer ", "missing API key"),
        ({b"x-api-key": b"k-carol"}, None, "invalid API key"),
        ({}, "Bearer k-alice2", "invalid API key"),
    ],
)
async def test_a_missing_or_wrong_key_is_a_401_with_a_challenge(
    headers, authorization, detail
) -> None:
    with pytest.raises(Auth.exceptions.HTTPException) as error:
        await authenticate(headers, authorization)
    assert (error.value.status_code, error.value.detail) == (401, detail)
    assert error.value.headers == {"WWW-Authenticate": "Bearer"}


@dataclass
class User:
    identity: str
    is_authenticated: bool = True
    display_name: str = ""
    permissions: tuple[str, ...] = ()


def ctx(resource: str, action: str, who: str = "alice") -> AuthContext:
    return AuthContext(permissions=[], user=User(who), resource=resource, action=action)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "resource,action",
    [
        ("threads", "create"),
        ("threads", "create_run"),
        ("crons", "create"),
        ("assistants", "create"),
    ],
)
async def test_every_create_stamps_the_owner_in_the_metadata_it_was_given(resource, action) -> None:
    metadata = {"team": "x"}
    await api_keys.owner_only(ctx(resource, action), {"metadata": metadata})
    assert metadata == {"team": "x", "owner": "alice"}
    value: dict[str, Any] = {"metadata": None}
    await api_keys.own_or_system_assistants(ctx(resource, action), value)
    assert value["metadata"] == {"owner": "alice"}


@pytest.mark.parametrize(
    "resource,action",
    [
        ("threads", "read"),
        ("threads", "search"),
        ("threads", "update"),
        ("threads", "delete"),
        ("threads", "create_run"),
        ("crons", "read"),
        ("crons", "search"),
        ("crons", "delete"),
    ],
)
async def test_every_other_action_is_filtered_by_owner(resource, action) -> None:
    assert await api_keys.owner_only(ctx(resource, action, "bob"), {}) == {"owner": "bob"}


async def test_system_assistants_are_visible_to_all_but_changeable_by_none() -> None:
    shared = {"$or": [{"owner": "bob"}, {"created_by": "system"}]}
    for action in ("read", "search"):
        assert (
            await api_keys.own_or_system_assistants(ctx("assistants", action, "bob"), {}) == shared
        )
    for action in ("update", "delete"):
        assert await api_keys.own_or_system_assistants(ctx("assistants", action, "bob"), {}) == {
            "owner": "bob"
        }


async def test_store_namespaces_are_prefixed_with_the_identity() -> None:
    value: dict[str, Any] = {"namespace": ("memories", "x")}
    await api_keys.own_namespace(ctx("store", "put"), value)
    assert value["namespace"] == ("alice", "memories", "x")
    listing: dict[str, Any] = {"namespace": None}
    await api_keys.own_namespace(ctx("store", "list_namespaces"), listing)
    assert listing["namespace"] == ("alice",)


# Loading it from langgraph.json -------------------------------------------------


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    (tmp_path / "graph.py").write_text("graph = None\n")
    path = tmp_path / "langgraph.json"
    path.write_text(
        json.dumps(
            {"graphs": {"g": "./graph.py:graph"}, "auth": {"path": "duragraph.auth.api_keys:auth"}}
        )
    )
    monkeypatch.delenv("DURAGRAPH_API_KEYS", raising=False)
    monkeypatch.delenv("DURAGRAPH_API_KEYS_FILE", raising=False)
    yield path
    vars(api_keys).pop("auth", None)  # built from this test's environment


def test_langgraph_json_can_name_the_built_in_auth(project: Path, monkeypatch) -> None:
    monkeypatch.setenv("DURAGRAPH_API_KEYS", "k1=alice")
    auth = load_auth_object(load_config(project))
    assert isinstance(auth, Auth) and auth is api_keys.auth


def test_without_keys_the_server_refuses_to_start_with_one_line(project: Path) -> None:
    with pytest.raises(ConfigError) as error:
        load_auth_object(load_config(project))
    assert "no API keys configured" in str(error.value) and "\n" not in str(error.value)
