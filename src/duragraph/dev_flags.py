"""The flags `langgraph dev` users type, and what each means here.

Each is accepted with the same name; what DuraGraph has no use for is said in
one line. What cannot be honoured and would mislead if ignored (a public
tunnel, HTTPS) stops the command with exit code 2 and says what to do instead."""

from __future__ import annotations

import argparse
import logging
import os
import sys

log = logging.getLogger("duragraph")

DEFAULT_JOBS = 64


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is less than 1")
    return value


def add_jobs_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--n-jobs-per-worker",
        type=positive_int,
        metavar="N",
        default=os.environ.get("DURAGRAPH_N_JOBS_PER_WORKER", str(DEFAULT_JOBS)),
        help=f"runs this process executes at once (default {DEFAULT_JOBS}; "
        "env DURAGRAPH_N_JOBS_PER_WORKER)",
    )


def add_dev_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--no-reload", action="store_true", help="do not reload the graphs when their files change"
    )
    p.add_argument(
        "--no-browser",
        action="store_true",
        help="accepted for `langgraph dev` users: DuraGraph never opens a browser",
    )
    p.add_argument(
        "--allow-blocking",
        action="store_true",
        help="accepted: DuraGraph does not detect blocking calls in graph code",
    )
    p.add_argument(
        "--debug-port",
        type=positive_int,
        metavar="PORT",
        help="let a debugger (VS Code 'Remote Attach', debugpy) attach to the "
        "graph code on 127.0.0.1:PORT; needs `pip install debugpy`",
    )
    p.add_argument(
        "--wait-for-client",
        action="store_true",
        help="with --debug-port: start serving once the debugger is attached",
    )
    p.add_argument(
        "--studio-url",
        metavar="URL",
        help="print a LangGraph Studio link for this server (a Studio of your own)",
    )
    p.add_argument("--tunnel", action="store_true", help="not supported (see the message)")
    p.add_argument("--ssl-certfile", help="not supported (see the message)")
    p.add_argument("--ssl-keyfile", help="not supported (see the message)")


def _refusal(args: argparse.Namespace) -> str | None:
    if args.tunnel:
        return (
            "--tunnel is not supported: expose the port with a tunnel of your own, "
            f"e.g. `cloudflared tunnel --url http://{args.host}:{args.port or 2024}`"
        )
    if args.ssl_certfile or args.ssl_keyfile:
        return "--ssl-certfile/--ssl-keyfile are not supported: put a TLS proxy in front"
    if args.wait_for_client and args.debug_port is None:
        return "--wait-for-client needs --debug-port"
    return None


def check(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Before anything starts: exit 2 on a flag that cannot be honoured."""
    refusal = _refusal(args)
    if refusal:
        parser.exit(2, f"duragraph dev: {refusal}\n")


def apply(args: argparse.Namespace, base_url: str) -> None:
    """What the accepted flags do, once logging is set up."""
    if args.allow_blocking:
        log.info("--allow-blocking: nothing to allow, DuraGraph does not detect blocking calls")
    if args.studio_url:
        log.info("Studio: %s/studio/?baseUrl=%s", args.studio_url.rstrip("/"), base_url)
    if args.debug_port is not None:
        _listen_for_debugger(args.debug_port, wait=args.wait_for_client)
    if not args.no_reload:
        # A cached .pyc is trusted when the source's size and mtime, to the
        # second, match: a quick edit of the same length would bring the
        # previous version back. Not writing them leaves none to match.
        sys.dont_write_bytecode = True


def _listen_for_debugger(port: int, *, wait: bool) -> None:
    """On loopback only: a debugger attached can run any code in this process."""
    try:
        import debugpy
    except ImportError:
        raise SystemExit("duragraph dev: --debug-port needs debugpy: pip install debugpy") from None
    debugpy.listen(("127.0.0.1", port))
    log.warning("debugger listening on 127.0.0.1:%s (attach with VS Code 'Remote Attach')", port)
    if wait:
        log.warning("waiting for the debugger to attach...")
        debugpy.wait_for_client()
