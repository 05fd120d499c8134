"""A cron's webhook goes through the same URL policy as a run's, when the cron
is created or updated, not only when a delivery is attempted."""

from __future__ import annotations

import uuid

import pytest
from langgraph_sdk.errors import UnprocessableEntityError

from e2e_support import new_thread

pytestmark = pytest.mark.e2e

DAILY = "0 9 * * *"
REFUSED = [
    ("http://169.254.169.254/latest/meta-data", "disable_private_ips"),
    ("http://127.0.0.1:9/hook", "disable_loopback"),
    ("file:///etc/passwd", "absolute http(s) URL"),
    ("gopher://example.com/x", "absolute http(s) URL"),
]


async def _assistant(client) -> str:
    created = await client.assistants.create("echo", name=f"cron-hook-{uuid.uuid4().hex[:6]}")
    return created["assistant_id"]


@pytest.mark.parametrize("url, problem", REFUSED)
async def test_a_cron_with_a_refused_webhook_is_not_created(client, url: str, problem: str) -> None:
    assistant_id = await _assistant(client)
    with pytest.raises(UnprocessableEntityError) as raised:
        await client.crons.create(assistant_id, schedule=DAILY, webhook=url)
    detail = raised.value.response.json()["detail"]
    assert "webhook" in detail and problem in detail
    assert await client.crons.search(assistant_id=assistant_id) == []


async def test_a_thread_cron_with_a_refused_webhook_is_not_created(client) -> None:
    assistant_id, thread_id = await _assistant(client), await new_thread(client)
    with pytest.raises(UnprocessableEntityError) as raised:
        await client.crons.create_for_thread(
            thread_id, assistant_id, schedule=DAILY, webhook="http://169.254.169.254/"
        )
    assert "webhook" in raised.value.response.json()["detail"]
    assert await client.crons.search(thread_id=thread_id) == []


@pytest.mark.parametrize("url, problem", REFUSED)
async def test_updating_a_cron_to_a_refused_webhook_is_refused_and_changes_nothing(
    client, url: str, problem: str
) -> None:
    cron = await client.crons.create(
        await _assistant(client), schedule=DAILY, webhook="https://example.com/hook"
    )
    with pytest.raises(UnprocessableEntityError) as raised:
        await client.crons.update(cron["cron_id"], webhook=url, schedule="0 10 * * *")
    assert problem in raised.value.response.json()["detail"]
    [unchanged] = await client.crons.search(assistant_id=cron["assistant_id"])
    assert unchanged["schedule"] == DAILY
    assert unchanged["payload"]["webhook"] == "https://example.com/hook"


async def test_a_cron_with_an_allowed_webhook_keeps_it(client) -> None:
    cron = await client.crons.create(
        await _assistant(client), schedule=DAILY, webhook="https://example.com/hook"
    )
    assert cron["payload"]["webhook"] == "https://example.com/hook"
