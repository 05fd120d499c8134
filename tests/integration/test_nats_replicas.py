"""On a NATS cluster every stream and bucket DuraGraph makes is kept by
DURAGRAPH_NATS_REPLICAS servers; one made earlier with another count is
scaled to it; a count the cluster cannot hold is one line saying so."""

from __future__ import annotations

import asyncio
import time
from functools import partial

import pytest

from duragraph.bootstrap import NATS_SETUP_S
from duragraph.infrastructure.nats.connection import connect, ensure_streams
from duragraph.infrastructure.nats.ownership import claim_prefix, owner_bucket
from duragraph.infrastructure.nats.errors import NATS_BUSY, NATS_ERRORS
from duragraph.infrastructure.nats.pacing import retried
from duragraph.infrastructure.nats.replicas import SETTLE_TIMEOUT_S, StreamRefused
from duragraph.infrastructure.nats.subjects import events_stream, runs_stream
from nats_cluster import NatsCluster


async def _start(js, prefix: str, replicas: int) -> None:
    """What `serve` and `worker` do with the prefix's streams at startup:
    asked again while the cluster elects a leader (the meta leader's election
    after a node dies can outlast the streams' elections)."""
    await retried(
        partial(_setup, js, prefix, replicas), NATS_BUSY, what="setup", timeout=NATS_SETUP_S
    )


async def _setup(js, prefix: str, replicas: int) -> None:
    await claim_prefix(js, prefix, "db-1", replicas=replicas)
    await ensure_streams(js, prefix, replicas=replicas)


def _streams(prefix: str) -> list[str]:
    return [events_stream(prefix), runs_stream(prefix), f"KV_{owner_bucket(prefix)}"]


async def _replicas(js, prefix: str) -> dict[str, int]:
    return {name: (await js.stream_info(name)).config.num_replicas for name in _streams(prefix)}


@pytest.fixture
async def js(nats_cluster: NatsCluster):
    nc = await connect(nats_cluster.url, name="test")
    yield nc.jetstream()
    await nc.close()


async def test_every_stream_is_kept_by_the_configured_number_of_servers(
    js, nats_prefix: str
) -> None:
    await _start(js, nats_prefix, replicas=3)
    assert set((await _replicas(js, nats_prefix)).values()) == {3}
    info = await js.stream_info(events_stream(nats_prefix))
    assert info.cluster is not None and len(info.cluster.replicas or []) == 2  # + leader


async def test_streams_made_with_one_replica_are_scaled_at_the_next_start(
    js, nats_prefix: str
) -> None:
    await _start(js, nats_prefix, replicas=1)
    assert set((await _replicas(js, nats_prefix)).values()) == {1}
    await _start(js, nats_prefix, replicas=3)
    assert set((await _replicas(js, nats_prefix)).values()) == {3}


async def test_more_replicas_than_servers_is_refused_naming_the_setting(
    js, nats_prefix: str
) -> None:
    with pytest.raises(StreamRefused, match="DURAGRAPH_NATS_REPLICAS may not exceed"):
        await _start(js, nats_prefix, replicas=5)
    await _start(js, nats_prefix, replicas=3)
    with pytest.raises(StreamRefused, match="no suitable peers for placement"):
        await ensure_streams(js, nats_prefix, replicas=4)  # scaling up too


async def test_a_start_with_one_node_of_three_down_is_not_held_up(
    js, nats_cluster: NatsCluster, nats_prefix: str
) -> None:
    await _start(js, nats_prefix, replicas=3)
    nats_cluster.kill(0)
    await _until_led(js, nats_prefix)  # the elections a dead node's leaderships need
    started = time.monotonic()
    await _start(js, nats_prefix, replicas=3)
    assert time.monotonic() - started < SETTLE_TIMEOUT_S  # none waited for the dead copy


async def _until_led(js, prefix: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    for name in _streams(prefix):
        while True:
            try:
                info = await js.stream_info(name)
                if info.cluster is not None and info.cluster.leader is not None:
                    break
            except NATS_ERRORS:
                pass  # asked during the election
            assert time.monotonic() < deadline, f"{name} has no leader after {timeout:.0f}s"
            await asyncio.sleep(0.2)
