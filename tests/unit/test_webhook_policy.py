"""The webhook URL policy read from langgraph.json's `webhooks` section."""

from __future__ import annotations

import pytest

from duragraph.infrastructure.webhooks.deliverer import RetryPolicy
from duragraph.infrastructure.webhooks.policy import WebhookPolicy, WebhookRefused


async def test_loopback_and_private_targets_are_refused_by_default() -> None:
    policy = WebhookPolicy.from_config(None)
    for url in (
        "/my/hook",
        "http://127.0.0.1/h",
        "http://localhost/h",
        "http://[::ffff:127.0.0.1]/h",
        "http://10.0.0.1/h",
        "http://172.16.0.1/h",
        "http://[fd00::1]/h",
    ):
        with pytest.raises(WebhookRefused):
            await policy.check(url)
    await policy.check("https://93.184.216.34/hook")  # a public address


async def test_the_project_may_allow_loopback_and_private_targets() -> None:
    policy = WebhookPolicy.from_config(
        {"url": {"disable_loopback": False, "disable_private_ips": False}}
    )
    await policy.check("http://127.0.0.1:8000/h")
    await policy.check("http://10.0.0.1/h")
    await policy.check("/my/hook")  # this server's own route, called in process
    with pytest.raises(WebhookRefused, match="absolute"):
        await policy.check("//elsewhere.example/h")  # scheme-relative: another host


async def test_domains_ports_https_and_length_are_enforced_as_configured() -> None:
    policy = WebhookPolicy.from_config(
        {
            "url": {
                "allowed_domains": ["hooks.example.com", "*.corp.example"],
                "allowed_ports": [443],
                "require_https": True,
                "max_url_length": 40,
            }
        }
    )
    for url, problem in [
        ("https://other.example.com/h", "domain"),
        ("https://hooks.example.com:8443/h", "port"),
        ("http://hooks.example.com/h", "https"),
        ("https://a.corp.example/" + "x" * 40, "longer"),
    ]:
        with pytest.raises(WebhookRefused, match=problem):
            await policy.check(url)


def test_retries_back_off_exponentially_up_to_a_ceiling() -> None:
    retry = RetryPolicy(base_seconds=1, max_seconds=10)
    assert [retry.delay(n) for n in range(1, 6)] == [1, 2, 4, 8, 10]
