"""Settings from flags and DURAGRAPH_* environment variables."""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import overload


@overload
def _env(name: str, default: str) -> str: ...


@overload
def _env(name: str, default: None = None) -> str | None: ...


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"DURAGRAPH_{name}", default)


def host_list(text: str | None) -> tuple[str, ...] | None:
    """Comma-separated names, as DURAGRAPH_ALLOWED_HOSTS and --allowed-hosts give them."""
    return None if text is None else tuple(h.strip() for h in text.split(",") if h.strip())


MAX_NATS_REPLICAS = 5  # JetStream's own limit


class SettingError(ValueError):
    """A setting's value is not one it can take; the message names it."""


def nats_replicas(text: str, name: str = "DURAGRAPH_NATS_REPLICAS") -> int:
    """How many NATS servers keep each stream: 1 (one server) up to 5."""
    try:
        replicas = int(text)
    except ValueError:
        replicas = 0
    if not 1 <= replicas <= MAX_NATS_REPLICAS:
        raise SettingError(
            f"{name} must be a whole number from 1 to {MAX_NATS_REPLICAS} "
            f"(at most the NATS cluster's servers), not {text!r}"
        )
    return replicas


@dataclass(slots=True)
class Settings:
    config_path: Path = Path("langgraph.json")
    data_dir: Path = Path(".duragraph")
    database_url: str | None = None
    nats_url: str | None = None
    nats_prefix: str = "duragraph"
    nats_replicas: int = 1  # copies of each JetStream stream: 3 on a 3-node cluster
    host: str = "127.0.0.1"
    port: int = 2024
    allowed_hosts: tuple[str, ...] = ()  # names served besides localhost; "*": any
    public_url: str | None = None  # the base URL clients reach us at (behind a proxy)
    lease_seconds: float = 10.0
    sweep_interval: float = 2.0
    cron_interval: float = 1.0
    grace_seconds: float = 30.0
    run_stream_retention_s: float = 3600.0
    pool_size: int = 20
    webhook_retry_seconds: float = 1.0  # the first retry's delay; doubles after each
    webhook_max_attempts: int = 12
    max_body_bytes: int = 10 * 1024 * 1024  # 10 MiB; a larger request body is a 413
    ws_max_subscriptions: int = 64  # open subscriptions per protocol v2 WebSocket
    n_jobs_per_worker: int = 64  # runs one process executes at once (its run slots)
    console: bool | None = None  # the web console at /console; None: on in dev, off in serve
    worker_id: str = field(
        default_factory=lambda: f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    )

    @classmethod
    def from_env(cls, **overrides: object) -> "Settings":
        s = cls(
            config_path=Path(_env("CONFIG", "langgraph.json")),
            data_dir=Path(_env("DATA_DIR", ".duragraph")),
            database_url=_env("DATABASE_URL"),
            nats_url=_env("NATS_URL"),
            nats_prefix=_env("NATS_PREFIX", "duragraph") or "duragraph",
            nats_replicas=nats_replicas(_env("NATS_REPLICAS", "1")),
            lease_seconds=float(_env("LEASE_SECONDS", "10") or 10),
            sweep_interval=float(_env("SWEEP_INTERVAL", "2") or 2),
            cron_interval=float(_env("CRON_INTERVAL", "1") or 1),
            grace_seconds=float(_env("GRACE_SECONDS", "30") or 30),
            run_stream_retention_s=float(_env("STREAM_RETENTION_SECONDS", "3600") or 3600),
            pool_size=int(_env("POOL_SIZE", "20") or 20),
            webhook_retry_seconds=float(_env("WEBHOOK_RETRY_SECONDS", "1") or 1),
            webhook_max_attempts=int(_env("WEBHOOK_MAX_ATTEMPTS", "12") or 12),
            ws_max_subscriptions=int(_env("WS_MAX_SUBSCRIPTIONS", "64") or 64),
            allowed_hosts=host_list(_env("ALLOWED_HOSTS", "")) or (),
            public_url=_env("PUBLIC_URL"),
            max_body_bytes=int(_env("MAX_BODY_BYTES", "10485760") or 10485760),
            n_jobs_per_worker=int(_env("N_JOBS_PER_WORKER", "64") or 64),
        )
        for key, value in overrides.items():
            if value is not None:
                setattr(s, key, value)
        return s
