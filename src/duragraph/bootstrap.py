"""The one place that wires everything: `dev`, `serve` and `worker`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any, AsyncIterator, Awaitable, Callable, Iterator

import uvicorn

from . import __version__, heap
from .api import loopback
from .api.app import create_app
from .api.auth.authenticate import AuthSetupError, check_signature
from .api.auth.service import NO_AUTH, Authorizer, CustomAuth
from .api.cron_firing import AsCreator
from .api.exposure import exposure_warning
from .api.http_options import allowed_hosts
from .api.http_options import console as http_console
from .api.public_url import public_url
from .api.request_log import RequestLog
from .api.run_headers import HeaderPolicy
from .api.services import Services
from .application.acting import acting_as
from .application.commands.assistants import ensure_default_assistants
from .application.commands.memory_store import StoreDeps
from .application.commands.crons import Tick
from .application.execution.placement import executor_here
from .application.ports import SystemClock, TtlPolicy
from .banner import banner
from .domain.identity import Actor
from .domain.retention import Retention
from .infrastructure.background.cron_scheduler import CronScheduler
from .infrastructure.background.heartbeat import Heartbeat
from .infrastructure.background.memory_store_expiry import sweep_store
from .infrastructure.background.thread_ttl import TtlSweeper, retention_policy, ttl_policy
from .infrastructure.background.worker_watch import WorkerWatch
from .infrastructure.closing import close_nats, quietly
from .infrastructure.embedded.lifecycle import start_whole, stop_all
from .infrastructure.embedded.nats import EmbeddedNats
from .infrastructure.embedded.postgres import EmbeddedPostgres
from .infrastructure.embedded.supervisor import supervised
from .infrastructure.graphs.auth_code import load_auth_object
from .infrastructure.graphs.config import ConfigError, ProjectConfig, load_config
from .infrastructure.executor import Executor, ExecutorDeps
from .infrastructure.graphs.run_metadata import server_metadata
from .infrastructure.graphs.http_app import load_http_app
from .infrastructure.graphs.registry import GraphRegistry
from .infrastructure.graphs.state import ThreadStates
from .infrastructure.hot_reload import Reloader
from .infrastructure.memory_store.base_store import EventSourcedStore
from .infrastructure.memory_store.config import StoreConfig, load_store_config
from .infrastructure.nats.connection import connect, ensure_streams
from .infrastructure.nats.dispatch import RunDispatch, subscribe_events
from .infrastructure.nats.ownership import PrefixTaken, claim_prefix
from .infrastructure.nats.errors import NATS_BUSY
from .infrastructure.nats.pacing import retried
from .infrastructure.nats.replicas import StreamRefused
from .infrastructure.nats.relay import OutboxRelay
from .infrastructure.nats.run_streams import RunStreams
from .infrastructure.postgres.bulkhead import Bulkhead
from .infrastructure.postgres.checkpoints.checkpointer import EventStoreCheckpointer
from .infrastructure.postgres.database import PostgresDatabase, migrate, open_pool
from .infrastructure.postgres.leases import PostgresLeases
from .infrastructure.postgres.event_store import PostgresEventStore
from .infrastructure.postgres.identity import database_identity
from .infrastructure.postgres.stuck_sessions import application_name
from .infrastructure.webhooks.deliverer import RetryPolicy, WebhookDeliverer
from .infrastructure.webhooks.policy import WebhookPolicy
from .infrastructure.worker import Worker
from .settings import Settings

log = logging.getLogger("duragraph")

# `dev` stops within seconds of a Ctrl-C: a run still going after this is
# handed back (its lease released) and the next start resumes it from its
# last checkpoint; an HTTP request still open (a join, a stream) is closed.
DEV_GRACE_S = 1.0
NATS_SETUP_S = 60.0  # how long a start waits for JetStream to take its streams
# An idle keep-alive connection is closed by the client first: httpx (the
# Python SDK) drops its idle ones after 5 s, Node's fetch after 4 s. With
# uvicorn's own 5 s, a request sent on a connection idle for 5 s could meet
# the server's close and fail (ReadError) with nothing to retry it.
KEEP_ALIVE_S = 75


@dataclass
class Infrastructure:
    database_url: str
    nats_url: str
    pool: Any
    nc: Any
    js: Any
    embedded: list[Any] = field(default_factory=list)

    async def close(self) -> None:
        await quietly("NATS connection", close_nats(self.nc))
        await quietly("database pool", self.pool.close())
        await stop_all(self.embedded)


async def _embedded_urls(settings: Settings, infra_embedded: list[Any]) -> tuple[str, str]:
    db_url, nats_url = settings.database_url, settings.nats_url
    if db_url is None:
        db_url = await start_whole(EmbeddedPostgres(settings.data_dir / "postgres"), infra_embedded)
    if nats_url is None:
        nats_url = await start_whole(EmbeddedNats(settings.data_dir / "nats"), infra_embedded)
    return db_url, nats_url


async def open_infrastructure(settings: Settings, *, embedded: bool) -> Infrastructure:
    started: list[Any] = []
    try:
        return await _connected(settings, embedded, started)
    except BaseException:  # a failed or interrupted start leaves no server running
        await stop_all(started)
        raise


async def _connected(settings: Settings, embedded: bool, started: list[Any]) -> Infrastructure:
    if embedded:
        db_url, nats_url = await _embedded_urls(settings, started)
    elif not (settings.database_url and settings.nats_url):
        raise SystemExit(
            "set DURAGRAPH_DATABASE_URL and DURAGRAPH_NATS_URL (or use `duragraph dev`)"
        )
    else:
        db_url, nats_url = settings.database_url, settings.nats_url
    await migrate(db_url)
    pool = await open_pool(
        db_url, max_size=settings.pool_size, application_name=application_name(settings.worker_id)
    )
    nc = await connect(nats_url, name=settings.worker_id)
    js = nc.jetstream()
    infra = Infrastructure(db_url, nats_url, pool, nc, js, started)
    try:
        # Idempotent: asked again while a NATS cluster forms or elects.
        await retried(
            partial(_claim_streams, infra, settings),
            NATS_BUSY,
            what="setting up the JetStream streams",
            timeout=NATS_SETUP_S,
        )
    except (PrefixTaken, StreamRefused) as exc:
        await infra.close()
        raise SystemExit(f"duragraph: {exc}") from None
    return infra


async def _claim_streams(infra: Infrastructure, settings: Settings) -> None:
    prefix, replicas = settings.nats_prefix, settings.nats_replicas
    identity = await database_identity(infra.pool)
    await claim_prefix(infra.js, prefix, identity, replicas=replicas)  # before its streams
    await ensure_streams(
        infra.js,
        prefix,
        run_stream_retention_s=settings.run_stream_retention_s,
        replicas=replicas,
    )


@dataclass
class Core:
    config: ProjectConfig
    store: PostgresEventStore
    db: PostgresDatabase
    leases: PostgresLeases
    clock: SystemClock
    graphs: GraphRegistry
    checkpointer: EventStoreCheckpointer
    streams: RunStreams
    memory: StoreDeps  # the long-term memory store (`store` in langgraph.json)
    memory_config: StoreConfig
    # The executor's store and database: the whole pool, where `store` and `db`
    # have the API's share of it in a process that executes runs (bulkhead.py).
    run_store: PostgresEventStore
    run_db: PostgresDatabase
    webhooks: WebhookPolicy = field(default_factory=WebhookPolicy)
    ttl: TtlPolicy = field(default_factory=TtlPolicy)
    retention: Retention = field(default_factory=Retention)
    auth_object: Any = None  # the user's langgraph_sdk.Auth (langgraph.json `auth.path`)


def build_core(
    settings: Settings,
    infra: Infrastructure,
    config: ProjectConfig,
    graphs: GraphRegistry,
    store_config: StoreConfig,
    webhooks: WebhookPolicy | None = None,
    ttl: TtlPolicy | None = None,
    *,
    executes: bool = False,
) -> Core:
    """`executes`: this process executes runs too; the API gets a share of the pool."""
    api = Bulkhead.share_of(infra.pool) if executes else infra.pool
    store = PostgresEventStore(api)
    db, clock = PostgresDatabase(api), SystemClock()
    return Core(
        config=config,
        store=store,
        db=db,
        leases=PostgresLeases(db),
        clock=clock,
        graphs=graphs,
        checkpointer=EventStoreCheckpointer(store),
        streams=RunStreams(infra.nc, infra.js, settings.nats_prefix),
        memory=StoreDeps(store, db, clock, store_config.index, store_config.ttl),
        memory_config=store_config,
        run_store=PostgresEventStore(infra.pool, cache=store.cache),
        run_db=PostgresDatabase(infra.pool),
        webhooks=webhooks or WebhookPolicy(),
        ttl=ttl or TtlPolicy(),
    )


def build_executor(settings: Settings, core: Core, api_url: str | None) -> Executor:
    """`api_url`: where clients reach the API, as the runs' metadata says."""
    store, db = core.run_store, core.run_db
    return Executor(
        ExecutorDeps(
            store=store,
            db=db,
            leases=PostgresLeases(db),
            clock=core.clock,
            checkpointer=EventStoreCheckpointer(store),
            graphs=core.graphs,
            streams=core.streams,
            worker_id=settings.worker_id,
            lease_seconds=settings.lease_seconds,
            max_active=settings.n_jobs_per_worker,
            memory_store=EventSourcedStore(replace(core.memory, events=store, db=db)),
            server_metadata=server_metadata(api_url),
        )
    )


def build_auth(core: Core, *, local_dev: bool) -> Authorizer:
    """The user's Auth, or none; `local_dev` (`duragraph dev`) lets Studio in
    as the official `langgraph dev` does. Uncovered actions are named once."""
    if core.auth_object is None:
        return NO_AUTH
    section = core.config.auth or {}
    auth = CustomAuth(
        core.auth_object,
        studio=local_dev,
        disable_studio_auth=bool(section.get("disable_studio_auth")),
    )
    uncovered = auth.handlers.uncovered()
    if auth.handlers.any() and uncovered:
        log.warning(
            "auth: no @auth.on handler covers %s: any authenticated user may do these",
            ", ".join(uncovered),
        )
    return auth


def build_services(core: Core, executor: Executor | None, auth: Authorizer = NO_AUTH) -> Services:
    services = Services(
        store=core.store,
        db=core.db,
        clock=core.clock,
        graphs=core.graphs,
        checkpointer=core.checkpointer,
        streams=core.streams,
        states=ThreadStates(core.graphs, core.checkpointer, core.db),
        webhooks=core.webhooks,
        info={"version": __version__, "graphs": core.graphs.ids()},
        default_ttl=core.ttl.default(),
        auth=auth,
        run_headers=HeaderPolicy.from_http(core.config.http),
    )
    services.executor = executor
    services.memory = core.memory
    return services


def _loaded_auth(config: ProjectConfig) -> Any:
    """The user's Auth, checked before anything starts (one line if it is wrong)."""
    auth_object = load_auth_object(config)
    if auth_object is not None:
        try:
            check_signature(auth_object._authenticate_handler)
        except AuthSetupError as exc:
            raise ConfigError(f'"auth.path": {exc}') from None
    return auth_object


@contextlib.asynccontextmanager
async def running(
    settings: Settings, *, embedded: bool, executes: bool
) -> AsyncIterator[tuple[Infrastructure, Core]]:
    config = load_config(settings.config_path)
    for warning in config.warnings:
        log.warning("%s", warning)
    ttl = ttl_policy(config.checkpointer, str(settings.config_path))
    retention = retention_policy(config.checkpointer, str(settings.config_path))
    with loopback.deferred():
        graphs = GraphRegistry.load(config)
        store_config = load_store_config(config)
        auth_object = _loaded_auth(config)
    infra = await open_infrastructure(settings, embedded=embedded)
    try:
        core = build_core(
            settings,
            infra,
            config,
            graphs,
            store_config,
            WebhookPolicy.from_config(config.webhooks),
            ttl,
            executes=executes,
        )
        core.auth_object = auth_object
        core.retention = retention
        yield infra, core
    finally:
        await infra.close()


def _start_here(executor: Executor) -> Callable[[Tick], None]:
    """A run a scheduler just created starts in this worker if it has room
    (see application/execution/placement.py); NATS dispatches it anyway."""

    def start(tick: Tick) -> None:
        if tick.run_id and tick.thread_id and executor_here(executor, tick.run_id):
            executor.submit(tick.run_id, tick.thread_id)

    return start


async def _default_assistants(core: Core) -> None:
    with acting_as(Actor(by="startup")):
        await ensure_default_assistants(core.store, core.clock, core.graphs)


async def _worker_tasks(
    settings: Settings,
    infra: Infrastructure,
    core: Core,
    executor: Executor,
    stop: asyncio.Event,
    auth: Authorizer,
    app: Any,
) -> list[asyncio.Task]:
    worker = Worker(
        executor,
        executor.deps.leases,
        RunDispatch(infra.js, settings.nats_prefix),
        sweep_interval=settings.sweep_interval,
        grace_seconds=settings.grace_seconds,
    )
    await subscribe_events(
        infra.nc, settings.nats_prefix, "run.cancelled", worker.on_cancelled_event
    )
    relay = OutboxRelay(
        infra.pool, infra.nc, infra.js, infra.database_url, settings.nats_prefix, idle=executor.idle
    )
    crons = CronScheduler(
        core.store,
        core.db,
        core.clock,
        core.graphs,
        interval=settings.cron_interval,
        on_fired=_start_here(executor),
        authorize=AsCreator(auth, core.db, core.graphs),
        streams=core.streams,
    )
    deliverer = WebhookDeliverer(
        core.db,
        core.webhooks,
        partial(loopback.client, app),
        RetryPolicy(
            base_seconds=settings.webhook_retry_seconds, max_attempts=settings.webhook_max_attempts
        ),
    )
    sweeper = TtlSweeper(
        core.db,
        core.store,
        core.clock,
        core.checkpointer,
        interval_s=core.ttl.sweep_interval_minutes * 60,
        retention=core.retention,
    )
    return [
        asyncio.create_task(worker.run(stop), name="worker"),
        asyncio.create_task(relay.run(stop), name="relay"),
        asyncio.create_task(
            sweep_store(core.memory, core.memory_config.sweep_seconds, stop), name="store-sweeper"
        ),
        asyncio.create_task(crons.run(stop), name="crons"),
        asyncio.create_task(deliverer.run(stop), name="webhooks"),
        asyncio.create_task(sweeper.run(stop), name="ttl-sweeper"),
        asyncio.create_task(
            Heartbeat(executor.deps.db, executor, settings.worker_id).run(stop), name="heartbeat"
        ),
    ]


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling (we stop everything in order),
    calling `on_started` once every lifespan (the user's app's too) has run."""

    def __init__(self, config: uvicorn.Config, on_started: Callable[[], Awaitable[None]]) -> None:
        super().__init__(config)
        self.on_started = on_started

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            await self.on_started()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _on_signals(callback: Callable[[], None], *, hangup: bool = False) -> None:
    """`hangup`: the terminal `dev` runs in was closed; unless under nohup."""
    loop = asyncio.get_running_loop()
    hangs_up = hangup and signal.getsignal(signal.SIGHUP) is not signal.SIG_IGN
    for sig in (signal.SIGINT, signal.SIGTERM, *([signal.SIGHUP] if hangs_up else [])):
        loop.add_signal_handler(sig, callback)


def _listen(host: str, port: int) -> socket.socket:
    """The HTTP port, bound before anything else starts: the embedded NATS
    server, which takes a port the OS picks, cannot be handed this one."""
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    return socket.create_server((host, port), family=family)


async def serve_http(
    settings: Settings, *, embedded: bool, with_worker: bool, reload: bool = False
) -> None:
    with _listen(settings.host, settings.port) as listening:
        async with (
            running(settings, embedded=embedded, executes=with_worker) as (infra, core),
            supervised(infra.embedded),
        ):
            if embedded:  # a run still going after the grace is handed back at once
                settings = replace(settings, grace_seconds=min(settings.grace_seconds, DEV_GRACE_S))
            await _serve(
                settings,
                infra,
                core,
                listening,
                embedded=embedded,
                with_worker=with_worker,
                reload=reload,
            )


def _reloader(
    settings: Settings, core: Core, executor: Executor, services: Services, stop: asyncio.Event
) -> asyncio.Task:
    async def reloaded() -> None:  # graphs may have come or gone
        services.info["graphs"] = core.graphs.ids()
        await _default_assistants(core)
        heap.freeze_startup()

    reloader = Reloader(
        settings.config_path, core.config, settings.data_dir, core.graphs, executor, reloaded
    )
    return asyncio.create_task(reloader.run(stop), name="reload")


async def _serve(
    settings: Settings,
    infra: Infrastructure,
    core: Core,
    listening: socket.socket,
    *,
    embedded: bool,
    with_worker: bool,
    reload: bool = False,
) -> None:
    await _default_assistants(core)
    if embedded:  # every lease left is a dead predecessor's (see execution/placement)
        await core.leases.lapse_all()
    stop = asyncio.Event()
    api_url = public_url(settings.public_url, settings.host, settings.port)
    executor = build_executor(settings, core, api_url) if with_worker else None
    auth = build_auth(core, local_dev=embedded)
    services = build_services(core, executor, auth)
    services.public_url = api_url
    services.ws_max_subscriptions = settings.ws_max_subscriptions
    app = _app(settings, core, services, console=console_on(settings, core.config.http, embedded))
    tasks = (
        []
        if executor
        else [asyncio.create_task(WorkerWatch(core.db).run(stop), name="worker-watch")]
    )

    async def start_work() -> None:  # graphs may rely on what the user's lifespan set up
        if executor:
            tasks.extend(await _worker_tasks(settings, infra, core, executor, stop, auth, app))
            if reload:
                tasks.append(_reloader(settings, core, executor, services, stop))
        heap.freeze_startup()

    _warn_if_exposed(settings, core.config)
    # lifespan "on": a user's app (langgraph.json http.app) may have one
    # log_config None: uvicorn logs through ours (logs.py sets its level), and
    # RequestLog replaces its access log
    server = _Server(
        uvicorn.Config(
            RequestLog(app),
            host=settings.host,
            port=settings.port,
            log_config=None,
            access_log=False,
            lifespan="on",
            timeout_keep_alive=KEEP_ALIVE_S,
            # uvicorn types it int; it is a wait_for timeout
            timeout_graceful_shutdown=DEV_GRACE_S  # type: ignore[arg-type]
            if embedded
            else None,
        ),
        on_started=start_work,
    )

    def shutdown() -> None:
        server.should_exit = True
        services.stopping.set()
        stop.set()

    _on_signals(shutdown, hangup=embedded)
    print(
        banner(
            core.graphs.ids(),
            f"http://{settings.host}:{settings.port}",
            infra.embedded,
            console=services.flags["console"],
        ),
        flush=True,
    )
    try:
        await server.serve(sockets=[listening])
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)


def console_on(settings: Settings, http: dict[str, Any] | None, embedded: bool) -> bool:
    """The flag, else langgraph.json's `http.console`, else on in `dev` only."""
    if settings.console is not None:
        return settings.console
    return http_console(http, embedded)


def _app(settings: Settings, core: Core, services: Services, *, console: bool = False) -> Any:
    """The HTTP app (ours and the user's `http.app`), which get_client() with
    no URL and relative webhook URLs reach in process."""
    with loopback.deferred():
        user_app = load_http_app(core.config)
    app = create_app(
        services,
        user_app=user_app,
        http=core.config.http,
        allowed_hosts=settings.allowed_hosts,
        max_body_bytes=settings.max_body_bytes,
        with_console=console,
    )
    loopback.publish(app)
    return app


def _warn_if_exposed(settings: Settings, config: ProjectConfig) -> None:
    warning = exposure_warning(
        settings.host,
        auth=config.auth,
        allowed_hosts=(*settings.allowed_hosts, *allowed_hosts(config.http)),
    )
    if warning:
        log.warning("%s", warning)


async def run_worker(settings: Settings) -> None:
    async with running(settings, embedded=False, executes=True) as (infra, core):
        await _default_assistants(core)
        stop = asyncio.Event()
        _on_signals(stop.set)
        executor = build_executor(settings, core, settings.public_url)
        # Cron ticks are authorized as their creators.
        auth = build_auth(core, local_dev=False)
        # Not listening, but graphs reach the app in process (get_client()), and
        # may rely on what the user's app sets up in its lifespan.
        app = _app(settings, core, build_services(core, executor, auth))
        async with app.router.lifespan_context(app):
            tasks = await _worker_tasks(settings, infra, core, executor, stop, auth, app)
            heap.freeze_startup()
            print(f"DuraGraph worker {settings.worker_id} ready", flush=True)
            await stop.wait()
            await asyncio.gather(*tasks, return_exceptions=True)
