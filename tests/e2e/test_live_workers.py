"""/metrics counts the processes that execute runs: `dev` is one, a split
deployment's `worker` is one."""

from __future__ import annotations

import httpx
import pytest

from e2e_support import eventually

pytestmark = pytest.mark.e2e


async def test_metrics_count_one_live_worker_with_its_run_slots(server_url: str) -> None:
    async with httpx.AsyncClient(base_url=server_url) as http:

        async def workers() -> dict:
            return (await http.get("/metrics", params={"format": "json"})).json()["workers"]

        seen = await eventually(workers, lambda w: w["alive"] == 1, timeout=15)
        text = (await http.get("/metrics")).text
    assert seen["alive"] == 1 and seen["max"] > 0
    assert "lg_api_workers_alive 1" in text
