"""The `duragraph` command."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import sys
from pathlib import Path
from typing import Any, NoReturn

from . import dev_flags, heap, logs
from .settings import SettingError, Settings, host_list, nats_replicas
from .version import VersionAction


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, help="path to langgraph.json")
    p.add_argument("--database-url", help="PostgreSQL URL (env DURAGRAPH_DATABASE_URL)")
    p.add_argument("--nats-url", help="NATS URL (env DURAGRAPH_NATS_URL)")
    logs.add_flags(p)


def _replicas(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--nats-replicas",
        type=_replicas_flag,
        help="copies of each JetStream stream: 3 on a 3-node NATS cluster "
        "(env DURAGRAPH_NATS_REPLICAS, default 1)",
    )


def _replicas_flag(text: str) -> int:
    try:
        return nats_replicas(text, "--nats-replicas")
    except SettingError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _dev_data(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--data-dir",
        type=Path,
        help="without a URL: reach the servers of the "
        "`duragraph dev` running on this data folder (./.duragraph)",
    )


DEFAULT_PORT = 2024


def _http(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, help=f"default {DEFAULT_PORT}")
    p.add_argument(
        "--allowed-hosts",
        help="comma-separated host names served besides "
        "localhost, * for any (env DURAGRAPH_ALLOWED_HOSTS)",
    )
    logs.add_server_flag(p)
    p.add_argument(
        "--console",
        action=argparse.BooleanOptionalAction,
        help="the web console at /console (default: on in dev, off in serve; "
        "langgraph.json http.console)",
    )


def _can_bind(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            s.bind((host, port))
            return True
        except OSError:
            return False


def _choose_port(args: argparse.Namespace) -> int:
    """An explicit --port must be free; the default falls back (for `dev`) to
    a free port, said out loud, rather than failing after starting everything."""
    if args.port is not None:
        if not _can_bind(args.host, args.port):
            sys.exit(f"{args.host}:{args.port} is already in use; choose another --port")
        return args.port
    if _can_bind(args.host, DEFAULT_PORT) or args.command != "dev":
        return DEFAULT_PORT
    with socket.socket() as s:
        s.bind((args.host, 0))
        port = s.getsockname()[1]
    print(
        f"{args.host}:{DEFAULT_PORT} is in use; serving on port {port} instead "
        "(choose one with --port)",
        flush=True,
    )
    return port


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """One line, not argparse's usage block before it."""
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def parser() -> argparse.ArgumentParser:
    root = _Parser(prog="duragraph", description=__doc__)
    root.add_argument("--version", action=VersionAction)
    sub = root.add_subparsers(dest="command", required=True)
    dev = sub.add_parser("dev", help="one process, embedded PostgreSQL and NATS")
    _common(dev)
    _replicas(dev)
    _http(dev)
    dev.add_argument("--data-dir", type=Path, help="where embedded data lives (./.duragraph)")
    dev_flags.add_jobs_flag(dev)
    dev_flags.add_dev_flags(dev)
    serve = sub.add_parser("serve", help="the API against external PostgreSQL and NATS")
    _common(serve)
    _replicas(serve)
    _http(serve)
    worker = sub.add_parser("worker", help="executor + outbox relay")
    _common(worker)
    _replicas(worker)
    dev_flags.add_jobs_flag(worker)
    migrate = sub.add_parser("migrate", help="apply the database schema")
    _common(migrate)
    _dev_data(migrate)
    proj = sub.add_parser("projections", help="projection maintenance")
    proj.add_argument("action", choices=["rebuild"])
    _common(proj)
    _dev_data(proj)
    events = sub.add_parser("events", help="the event log")
    events.add_argument("action", choices=["tail", "archive"])
    events.add_argument("--from-start", action="store_true")
    events.add_argument(
        "--older-than", type=float, metavar="DAYS", help="archive: events older than this"
    )
    events.add_argument(
        "--to", type=Path, metavar="FILE", help="archive: a new .jsonl.gz file to write"
    )
    events.add_argument("--prefix", default=os.environ.get("DURAGRAPH_NATS_PREFIX", "duragraph"))
    _common(events)
    _dev_data(events)
    return root


def _settings(args: argparse.Namespace) -> Settings:
    port = _choose_port(args) if args.command in ("dev", "serve") else None
    return Settings.from_env(
        config_path=args.config,
        database_url=args.database_url,
        nats_url=args.nats_url,
        nats_replicas=getattr(args, "nats_replicas", None),
        host=getattr(args, "host", None),
        port=port,
        data_dir=getattr(args, "data_dir", None),
        allowed_hosts=host_list(getattr(args, "allowed_hosts", None)),
        n_jobs_per_worker=getattr(args, "n_jobs_per_worker", None),
        console=getattr(args, "console", None),
    )


_NO_DEV = "or run `duragraph dev` with this --data-dir"


def _require_db(settings: Settings) -> str:
    """The embedded servers ask for passwords kept in the data folder, so a
    command beside a running `dev` finds its URLs there."""
    from .infrastructure.embedded.postgres import running_url

    url = settings.database_url or running_url(settings.data_dir / "postgres")
    if not url:
        sys.exit(f"set DURAGRAPH_DATABASE_URL or --database-url, {_NO_DEV}")
    return url


def _require_nats(settings: Settings) -> str:
    from .infrastructure.embedded.nats import running_url

    url = settings.nats_url or running_url(settings.data_dir / "nats")
    if not url:
        sys.exit(f"set DURAGRAPH_NATS_URL or --nats-url, {_NO_DEV}")
    return url


async def _rebuild(url: str) -> None:
    from .infrastructure.postgres.database import open_pool
    from .infrastructure.postgres.rebuild import rebuild_projections

    pool = await open_pool(url, min_size=1, max_size=2)
    try:
        print(f"replayed {await rebuild_projections(pool)} events")
    finally:
        await pool.close()


async def _archive(url: str, older_than_days: float, to: Path) -> None:
    import gzip

    from .infrastructure.postgres.archive import archive_events
    from .infrastructure.postgres.database import open_pool

    try:
        out = gzip.open(to, "xb")
    except OSError as exc:
        sys.exit(f"duragraph: cannot create {to}: {exc.strerror}")
    pool = await open_pool(url, min_size=1, max_size=2)
    try:
        with out:
            moved = await archive_events(pool, older_than_days, out)
        print(f"archived {moved} events to {to}")
    finally:
        await pool.close()


def _check_archive(cli: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.command != "events" or args.action != "archive":
        return
    if args.older_than is None or args.to is None:
        cli.error("events archive needs --older-than DAYS and --to FILE")
    if not args.older_than >= 0:
        cli.error(f"--older-than must be a number of days, 0 or more, got {args.older_than}")


async def _tail(url: str, prefix: str, from_start: bool) -> None:
    import orjson

    from .infrastructure.nats.connection import connect
    from .infrastructure.nats.tail import tail_events

    nc = await connect(url, name="duragraph-tail")
    try:
        async for event in tail_events(nc.jetstream(), prefix, from_start=from_start):
            print(orjson.dumps(event).decode(), flush=True)
    finally:
        await nc.close()


def _stop_starting_on_signals() -> None:
    """Until the server's own handlers take over: a SIGTERM, or the terminal
    closing (unless under nohup), stops what started as a Ctrl-C does, rather
    than orphaning it."""
    signal.signal(signal.SIGTERM, _interrupt)
    if signal.getsignal(signal.SIGHUP) is not signal.SIG_IGN:
        signal.signal(signal.SIGHUP, _interrupt)


def _interrupt(signum: int, frame: Any) -> None:
    os.kill(os.getpid(), signal.SIGINT)  # asyncio's runner cancels the startup on a SIGINT


def _claim_data_folder(args: argparse.Namespace) -> None:
    """Before anything is started or printed: a second `dev` is one line."""
    from .infrastructure.embedded.dev_folder import claim_data_folder
    from .infrastructure.embedded.processes import FolderInUse

    try:
        claim_data_folder(Settings.from_env(data_dir=args.data_dir).data_dir)
    except FolderInUse as exc:
        sys.exit(f"duragraph: {exc}")


def run(main: Any) -> None:
    """The long-running commands run on uvloop where it is installed (it comes
    with uvicorn[standard] on Linux and macOS): psycopg, NATS and uvicorn all
    spend less CPU per I/O wait on it than on the stdlib loop."""
    heap.tune()
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
    else:
        uvloop.run(main)


def main(argv: list[str] | None = None) -> None:
    cli = parser()
    args = cli.parse_args(argv)
    if args.command == "dev":
        dev_flags.check(cli, args)
    _check_archive(cli, args)
    logs.configure(args)
    if args.command == "dev":
        _claim_data_folder(args)
        _stop_starting_on_signals()
    try:
        _main(args)
    except KeyboardInterrupt:  # Ctrl-C before the servers' own handlers, e.g. while importing
        pass


def _main(args: argparse.Namespace) -> None:
    try:
        settings = _settings(args)
    except SettingError as exc:
        sys.exit(f"duragraph: {exc}")
    if args.command == "dev":
        dev_flags.apply(args, f"http://{settings.host}:{settings.port}")
    from . import bootstrap
    from .infrastructure.embedded.processes import EmbeddedServerError
    from .infrastructure.graphs.config import ConfigError

    try:
        if args.command == "dev":
            run(
                bootstrap.serve_http(
                    settings, embedded=True, with_worker=True, reload=not args.no_reload
                )
            )
        elif args.command == "serve":
            run(bootstrap.serve_http(settings, embedded=False, with_worker=False))
        elif args.command == "worker":
            run(bootstrap.run_worker(settings))
        elif args.command == "migrate":
            from .infrastructure.postgres.database import migrate

            applied = asyncio.run(migrate(_require_db(settings)))
            print(f"applied {len(applied)} migration(s): {', '.join(applied) or 'none'}")
        elif args.command == "projections":
            asyncio.run(_rebuild(_require_db(settings)))
        elif args.command == "events" and args.action == "archive":
            asyncio.run(_archive(_require_db(settings), args.older_than, args.to))
        elif args.command == "events":
            asyncio.run(_tail(_require_nats(settings), args.prefix, args.from_start))
    except KeyboardInterrupt:
        pass
    except ConfigError as exc:  # the user's langgraph.json: its message says what to fix
        sys.exit(f"duragraph: {exc}")
    except EmbeddedServerError as exc:  # says which server, why, and its log's last lines
        sys.exit(f"duragraph: {exc}")


if __name__ == "__main__":
    main()
