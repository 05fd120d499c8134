"""The startup warning for a server without auth that others can reach."""

from __future__ import annotations

from duragraph.api.exposure import exposure_warning, is_loopback
from duragraph.settings import Settings, host_list


def test_loopback_binds_are_recognised() -> None:
    for host in ("127.0.0.1", "::1", "[::1]", "localhost", "127.0.0.2"):
        assert is_loopback(host), host
    for host in ("0.0.0.0", "::", "192.168.1.5", "myhost", "localhost.example.com"):
        assert not is_loopback(host), host


def test_binding_every_interface_without_auth_is_warned_about() -> None:
    warning = exposure_warning("0.0.0.0", auth=None, allowed_hosts=())
    assert warning is not None
    assert "anyone who can reach this port can read and change everything" in warning
    assert "configure auth in langgraph.json" in warning
    assert "DURAGRAPH_ALLOWED_HOSTS" in warning and "refused (400)" in warning
    with_hosts = exposure_warning("0.0.0.0", auth=None, allowed_hosts=("box.lan",))
    assert with_hosts is not None and "refused" not in with_hosts


def test_no_warning_on_loopback_or_with_auth() -> None:
    assert exposure_warning("127.0.0.1", auth=None, allowed_hosts=()) is None
    assert exposure_warning("0.0.0.0", auth={"path": "./auth.py:auth"}, allowed_hosts=()) is None


def test_allowed_hosts_come_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("DURAGRAPH_ALLOWED_HOSTS", " box.lan, *.corp.example ,")
    assert Settings.from_env().allowed_hosts == ("box.lan", "*.corp.example")
    assert Settings.from_env(allowed_hosts=host_list("a.example")).allowed_hosts == ("a.example",)
    monkeypatch.delenv("DURAGRAPH_ALLOWED_HOSTS")
    assert Settings.from_env().allowed_hosts == ()
