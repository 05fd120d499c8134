"""How the long-running commands log: one record per line, as text or as JSON.

`--log-level` is ours; `--server-log-level` is the HTTP server's own (uvicorn),
as `langgraph dev` has it. Both are checked by the parser, so a typo is one
line and exit code 2, never a traceback after everything started."""

from __future__ import annotations

import argparse
import logging
import os
from datetime import datetime, timezone

import orjson

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
FORMATS = ("text", "json")
_TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.asgi")
# What every LogRecord carries; anything else was passed as `extra=` (run_id...).
_STANDARD = {
    *vars(logging.LogRecord("", 0, "", 0, "", None, None)),
    "message",
    "asctime",
    "taskName",
}


def level(text: str) -> str:
    if text.upper() not in LEVELS:
        raise argparse.ArgumentTypeError(
            f"unknown level {text!r}; choose one of {', '.join(LEVELS)}"
        )
    return text.upper()


def log_format(text: str) -> str:
    if text.lower() not in FORMATS:
        raise argparse.ArgumentTypeError(f"unknown format {text!r}; choose text or json")
    return text.lower()


def add_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--log-level",
        type=level,
        metavar="LEVEL",
        default=os.environ.get("DURAGRAPH_LOG_LEVEL", "INFO"),
        help="DEBUG, INFO (default), WARNING, ERROR (env DURAGRAPH_LOG_LEVEL)",
    )
    p.add_argument(
        "--log-format",
        type=log_format,
        metavar="FORMAT",
        default=os.environ.get("DURAGRAPH_LOG_FORMAT", "text"),
        help="text (default) or json: one JSON object per line (env DURAGRAPH_LOG_FORMAT)",
    )


def add_server_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--server-log-level",
        type=level,
        metavar="LEVEL",
        default=os.environ.get("DURAGRAPH_SERVER_LOG_LEVEL", "WARNING"),
        help="the HTTP server's own log level (uvicorn; default WARNING; "
        "env DURAGRAPH_SERVER_LOG_LEVEL)",
    )


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "timestamp": datetime.fromtimestamp(record.created, timezone.utc).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            out["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            out["stack_info"] = self.formatStack(record.stack_info)
        out.update((k, v) for k, v in vars(record).items() if k not in _STANDARD)
        return orjson.dumps(out, default=str).decode()


def configure(args: argparse.Namespace) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if args.log_format == "json" else logging.Formatter(_TEXT))
    logging.basicConfig(level=args.log_level, handlers=[handler], force=True)
    server_level = getattr(args, "server_log_level", "WARNING")
    for name in _SERVER_LOGGERS:
        logging.getLogger(name).setLevel(server_level)
