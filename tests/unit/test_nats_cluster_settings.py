"""The settings a NATS cluster needs: the servers to reach, their credentials,
and how many of them keep each stream."""

from __future__ import annotations

import pytest

from duragraph.cli import parser
from duragraph.infrastructure.nats.connection import server_list, shared_credentials
from duragraph.settings import SettingError, Settings


def test_nats_replicas_come_from_the_environment_and_default_to_one(monkeypatch) -> None:
    monkeypatch.delenv("DURAGRAPH_NATS_REPLICAS", raising=False)
    assert Settings.from_env().nats_replicas == 1
    monkeypatch.setenv("DURAGRAPH_NATS_REPLICAS", "3")
    assert Settings.from_env().nats_replicas == 3
    assert Settings.from_env(nats_replicas=5).nats_replicas == 5  # a flag wins


@pytest.mark.parametrize("value", ["0", "6", "three", "", "2.5"])
def test_a_replica_count_jetstream_cannot_keep_is_refused_naming_the_variable(
    monkeypatch, value: str
) -> None:
    monkeypatch.setenv("DURAGRAPH_NATS_REPLICAS", value)
    with pytest.raises(
        SettingError, match="DURAGRAPH_NATS_REPLICAS must be a whole number from 1 to 5"
    ):
        Settings.from_env()


def test_serve_worker_and_dev_take_nats_replicas_as_a_flag(capsys) -> None:
    for command in ("serve", "worker", "dev"):
        assert parser().parse_args([command, "--nats-replicas", "3"]).nats_replicas == 3
    with pytest.raises(SystemExit):
        parser().parse_args(["worker", "--nats-replicas", "7"])
    assert "--nats-replicas must be a whole number from 1 to 5" in capsys.readouterr().err


def test_a_nats_url_may_list_every_node_of_a_cluster() -> None:
    url = "nats://a:4222, nats://b:4222 ,nats://c:4222,"
    assert server_list(url) == ["nats://a:4222", "nats://b:4222", "nats://c:4222"]


def test_credentials_in_the_urls_are_given_to_every_node_the_client_finds() -> None:
    same = ["nats://dg:secret@a:4222", "nats://dg:secret@b:4222"]
    assert shared_credentials(same) == {"user": "dg", "password": "secret"}
    assert shared_credentials(["nats://tok@a:4222"]) == {"token": "tok"}
    assert shared_credentials(["nats://a:4222", "nats://b:4222"]) == {}
    # Different per server: each URL keeps its own.
    assert shared_credentials(["nats://x:1@a:4222", "nats://y:2@b:4222"]) == {}
