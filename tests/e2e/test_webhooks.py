"""Run webhooks: after a run ends its `webhook` receives a POST with the run,
its status and final values; failed deliveries are retried with backoff and
survive a restart; loopback and private targets are refused unless the
project's langgraph.json allows them."""

from __future__ import annotations

import os
import subprocess
import tempfile
import uuid
from pathlib import Path
from typing import Iterator

import pytest
from langgraph_sdk import get_client
from langgraph_sdk.errors import UnprocessableEntityError

from e2e_support import new_thread, wait_for_run_status
from servers import GRAPHS, Cluster, command, free_port, stop, wait_ready
from webhook_receiver import Receiver

pytestmark = pytest.mark.e2e

LOOPBACK_ALLOWED = GRAPHS.parent / "langgraph.webhooks.json"


class DevServer:
    """`duragraph dev` with webhooks to 127.0.0.1 allowed and quick retries."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir, self.port = data_dir, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        env = {**os.environ, "DURAGRAPH_WEBHOOK_RETRY_SECONDS": "0.2"}
        self.proc = subprocess.Popen(
            command(
                "dev",
                "--port",
                str(self.port),
                "--data-dir",
                str(self.data_dir),
                config=LOOPBACK_ALLOWED,
            ),
            env=env,
        )
        wait_ready(self.url, [self.proc])

    def stop(self) -> None:
        if self.proc is not None:
            stop([self.proc])


@pytest.fixture(scope="module")
def hooks_url() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="dg-hooks-") as folder:
        server = DevServer(Path(folder))
        server.start()
        try:
            yield server.url
        finally:
            server.stop()


@pytest.fixture
def hooks(hooks_url: str):
    return get_client(url=hooks_url)


async def test_a_finished_run_posts_itself_and_its_final_values(hooks) -> None:
    thread_id = await new_thread(hooks)
    with Receiver() as receiver:
        run = await hooks.runs.create(
            thread_id, "echo", input={"value": 7}, metadata={"m": 1}, webhook=receiver.url
        )
        result = await hooks.runs.join(thread_id, run["run_id"])
        [payload] = await receiver.wait_delivered()
    assert (payload["run_id"], payload["thread_id"], payload["status"]) == (
        run["run_id"],
        thread_id,
        "success",
    )
    assert payload["values"] == result and result["value"] == 7
    assert payload["metadata"] == {"m": 1}
    assert payload["assistant_id"] == run["assistant_id"]
    assert payload["run_started_at"] and payload["run_ended_at"] and payload["webhook_sent_at"]
    assert receiver.headers[0]["X-Duragraph-Test"] == "webhooks"  # webhooks.headers


async def test_a_failed_run_posts_its_error(hooks) -> None:
    thread_id = await new_thread(hooks)
    with Receiver() as receiver:
        run = await hooks.runs.create(thread_id, "failing", input={}, webhook=receiver.url)
        await wait_for_run_status(hooks, thread_id, run["run_id"])
        [payload] = await receiver.wait_delivered()
    assert payload["status"] == "error"
    assert "boom" in payload["error"]["message"]


async def test_a_run_stopped_at_an_interrupt_posts_a_success(hooks) -> None:
    thread_id = await new_thread(hooks)
    with Receiver() as receiver:
        run = await hooks.runs.create(thread_id, "interrupting", input={}, webhook=receiver.url)
        [payload] = await receiver.wait_delivered()
    assert (payload["run_id"], payload["status"]) == (run["run_id"], "success")


async def test_a_cancelled_run_posts_its_interruption(hooks) -> None:
    thread_id = await new_thread(hooks)
    with Receiver() as receiver:
        run = await hooks.runs.create(thread_id, "slow", input={"sleep": 30}, webhook=receiver.url)
        await wait_for_run_status(hooks, thread_id, run["run_id"], ("running",))
        await hooks.runs.cancel(thread_id, run["run_id"])
        [payload] = await receiver.wait_delivered()
    assert (payload["run_id"], payload["status"]) == (run["run_id"], "interrupted")


async def test_a_stateless_run_posts_even_though_its_thread_is_gone(hooks) -> None:
    with Receiver() as receiver:
        result = await hooks.runs.wait(None, "echo", input={"value": "s"}, webhook=receiver.url)
        [payload] = await receiver.wait_delivered()
    assert payload["values"] == result and result["value"] == "s"
    assert payload["status"] == "success"


async def test_a_failing_receiver_gets_the_run_again_until_it_accepts(hooks) -> None:
    thread_id = await new_thread(hooks)
    with Receiver(failures=2) as receiver:
        run = await hooks.runs.create(thread_id, "echo", input={"value": 1}, webhook=receiver.url)
        await receiver.wait_delivered()
    assert [a["run_id"] for a in receiver.attempts] == [run["run_id"]] * 3
    assert receiver.delivered[0]["status"] == "success"


async def test_a_private_target_is_refused_even_where_loopback_is_allowed(hooks) -> None:
    thread_id = await new_thread(hooks)
    with pytest.raises(UnprocessableEntityError) as raised:
        await hooks.runs.create(thread_id, "echo", input={}, webhook="http://10.1.2.3/hook")
    assert "disable_private_ips" in raised.value.response.json()["detail"]
    assert await hooks.runs.list(thread_id) == []


async def test_a_delivery_pending_at_shutdown_is_sent_after_a_restart() -> None:
    with (
        tempfile.TemporaryDirectory(prefix="dg-hooks-") as folder,
        Receiver(failures=1_000_000) as receiver,
    ):
        server = DevServer(Path(folder))
        server.start()
        try:
            client = get_client(url=server.url)
            thread_id = await new_thread(client)
            run = await client.runs.create(
                thread_id, "echo", input={"value": "r"}, webhook=receiver.url
            )
            await receiver.wait_attempts(1)
        finally:
            server.stop()
        assert receiver.delivered == []
        receiver.failures = 0  # the receiver is back
        server.start()
        try:
            [payload] = await receiver.wait_delivered()
        finally:
            server.stop()
    assert (payload["run_id"], payload["values"]["value"]) == (run["run_id"], "r")


async def test_a_separate_worker_process_delivers_the_webhooks(
    database_url: str, nats_url: str, nats_prefix: str
) -> None:
    cluster = Cluster(
        {
            **os.environ,
            "DURAGRAPH_DATABASE_URL": database_url,
            "DURAGRAPH_NATS_URL": nats_url,
            "DURAGRAPH_NATS_PREFIX": nats_prefix,
            "DURAGRAPH_WEBHOOK_RETRY_SECONDS": "0.2",
        },
        config=LOOPBACK_ALLOWED,
    )
    try:
        cluster.start_api()
        cluster.start_worker()
        client = get_client(url=cluster.url)
        with Receiver(failures=1) as receiver:
            result = await client.runs.wait(
                None, "echo", input={"value": "w"}, webhook=receiver.url
            )
            [payload] = await receiver.wait_delivered()
    finally:
        cluster.close()
    assert (payload["status"], payload["values"]) == ("success", result)
    assert len(receiver.attempts) == 2


# -- the default policy (the shared servers allow no loopback) ---------------


@pytest.mark.parametrize(
    "url, problem",
    [
        ("http://127.0.0.1:9/hook", "disable_loopback"),
        ("http://localhost:8123/hook", "disable_loopback"),
        ("http://[::1]:8123/hook", "disable_loopback"),
        ("/threads", "disable_loopback"),  # relative: the server itself, unauthenticated
        ("http://192.168.1.20/hook", "disable_private_ips"),
        ("http://169.254.169.254/latest/meta-data", "disable_private_ips"),
        ("not a url", "absolute http(s) URL"),
        ("ftp://example.com/hook", "absolute http(s) URL"),
        ("http://example.com:99999/hook", "malformed"),
    ],
)
async def test_a_refused_webhook_creates_no_run(client, url: str, problem: str) -> None:
    thread_id = await new_thread(client)
    with pytest.raises(UnprocessableEntityError) as raised:
        await client.runs.create(thread_id, "echo", input={}, webhook=url)
    assert problem in raised.value.response.json()["detail"]
    assert await client.runs.list(thread_id) == []
    assert (await client.threads.get(thread_id))["status"] == "idle"


async def test_a_batch_with_one_refused_webhook_creates_nothing(client) -> None:
    assistant_id = (await client.assistants.create("echo", name=f"hooks-{uuid.uuid4().hex[:6]}"))[
        "assistant_id"
    ]
    with pytest.raises(UnprocessableEntityError):
        await client.runs.create_batch(
            [
                {"assistant_id": assistant_id, "input": {}, "on_completion": "keep"},
                {"assistant_id": assistant_id, "input": {}, "webhook": "http://127.0.0.1:1/h"},
            ]
        )
    assert await client.threads.search(metadata={"assistant_id": assistant_id}) == []
