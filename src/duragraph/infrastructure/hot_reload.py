"""`duragraph dev` reloads the user's code when a file of the project is saved.

In process, in well under a second: the project's modules are imported afresh
into a new graph registry, which replaces the old one's graphs in one step
(everything serving holds that one registry), and the runs in flight are
handed back and claimed again: they go on from their last committed step on
the new code. A save that does not load is one line naming the file and
line; the previous code keeps serving until a save that loads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from pathlib import Path
from typing import Awaitable, Callable

from watchfiles import Change, DefaultFilter, awatch

from .graphs.config import ProjectConfig, load_config
from .executor import Executor
from .graphs.fresh_import import fresh_modules
from .graphs.load_error import describe
from .graphs.project_files import project_folders
from .graphs.registry import GraphRegistry

log = logging.getLogger("duragraph.reload")

# Changes within STEP of each other are one batch (an editor's save, a git
# checkout) and wait at most DEBOUNCE: together well inside the 2 s promised.
_STEP_MS, _DEBOUNCE_MS = 50, 600
_RETRY_S = 5.0
# langgraph.json sections read once at startup.
_READ_AT_START = ("store", "checkpointer", "http", "webhooks", "auth")


class ProjectFilter(DefaultFilter):
    """Python files, `.env` files and langgraph.json; not the data folder."""

    def __init__(self, config_path: Path, data_dir: Path) -> None:
        super().__init__(
            ignore_dirs=[*DefaultFilter.ignore_dirs, "site-packages", "dist-packages"],
            ignore_paths=[str(data_dir)],
        )
        self.config_path = config_path

    def __call__(self, change: Change, path: str) -> bool:
        found = Path(path)
        return super().__call__(change, path) and (
            found == self.config_path or found.suffix == ".py" or found.name.startswith(".env")
        )


class Reloader:
    def __init__(
        self,
        config_path: Path,
        config: ProjectConfig,
        data_dir: Path,
        graphs: GraphRegistry,
        executor: Executor,
        on_reloaded: Callable[[], Awaitable[None]],
    ) -> None:
        self.config_path, self.config = config_path.resolve(), config
        self.filter = ProjectFilter(self.config_path, data_dir.resolve())
        self.graphs, self.executor, self.on_reloaded = graphs, executor, on_reloaded

    async def run(self, stop: asyncio.Event) -> None:
        # Its "N changes detected" would precede each of our own lines.
        logging.getLogger("watchfiles").setLevel(logging.WARNING)
        while not stop.is_set():
            try:
                await self._watch(stop)
            except Exception as exc:  # the server is fine: say so, and try again
                log.warning(
                    "reload: watching the project failed (%s: %s); retrying",
                    type(exc).__name__,
                    exc,
                )
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(stop.wait(), _RETRY_S)

    async def _watch(self, stop: asyncio.Event) -> None:
        """Until stopped, or until langgraph.json moves what belongs to the project."""
        watched = project_folders(self.config)
        log.info("watching %s for changes", ", ".join(map(str, watched)))
        async for changes in awatch(
            *watched,
            watch_filter=self.filter,
            step=_STEP_MS,
            debounce=_DEBOUNCE_MS,
            stop_event=stop,
        ):
            await self.reload(sorted({path for _, path in changes}))
            if project_folders(self.config) != watched:
                return

    async def reload(self, changed: list[str]) -> None:
        started = time.monotonic()
        registry = self._load()
        if registry is None:
            return
        self.graphs.replace_with(registry)
        try:
            await self.on_reloaded()
            restarted = await self.executor.restart_runs()
        except Exception:  # the new code serves; the watch goes on
            log.exception("reload: after loading the new code")
            return
        log.info(
            "reloaded (%s changed) in %.0f ms%s",
            ", ".join(map(_short, changed)),
            (time.monotonic() - started) * 1000,
            f"; {restarted} run(s) in flight go on with the new code" if restarted else "",
        )

    def _load(self) -> GraphRegistry | None:
        """The project's graphs from its files as they are now, or None (said)."""
        folders = project_folders(self.config)
        try:
            config = load_config(self.config_path)
            folders += project_folders(config)
            with fresh_modules(folders):
                registry = GraphRegistry.load(config)
        except Exception as exc:
            log.error(
                "reload failed, the previous code still serves: %s",
                describe(exc, self.config_path, folders),
            )
            return None
        self._warn_if_restart_needed(config)
        self.config = config
        return registry

    def _warn_if_restart_needed(self, config: ProjectConfig) -> None:
        stale = [key for key in _READ_AT_START if getattr(config, key) != getattr(self.config, key)]
        if stale:
            log.warning(
                "langgraph.json: restart `duragraph dev` to apply the change to %s",
                ", ".join(f'"{key}"' for key in stale),
            )


def _short(path: str) -> str:
    return Path(path).name
