"""Results of the runs executing or lately finished here: what a join or a
`runs.wait` reads without asking PostgreSQL."""

from __future__ import annotations

import asyncio
from contextlib import contextmanager
from typing import Any, Iterator

_RECENT_OUTCOMES = 64  # results can be large: a short memory
_STOPPED = object()  # a run's task ended without an outcome committed here


def _settle(future: asyncio.Future[Any] | None, result: Any) -> None:
    if future is not None and not future.done():
        future.set_result(result)


class RunResults:
    def __init__(self) -> None:
        self._finished: dict[str, asyncio.Future[Any]] = {}  # resolved with the run's result
        self._executing: dict[str, str] = {}  # run id -> thread id, while it executes here
        # Outcomes committed here lately (run id -> thread id, result): a join
        # that arrives just after the end needs no query.
        self._recent: dict[str, tuple[str, Any]] = {}

    def watch(self, run_id: str, task: asyncio.Task[None]) -> None:
        """The run's result is awaited from now on; `task` ending without
        one (`remember`) settles it as stopped."""
        finished = self._finished[run_id] = asyncio.get_running_loop().create_future()
        task.add_done_callback(lambda _: _settle(finished, _STOPPED))
        task.add_done_callback(lambda _: self._finished.pop(run_id, None))

    @contextmanager
    def executing_here(self, run_id: str, thread_id: str) -> Iterator[None]:
        self._executing[run_id] = thread_id
        try:
            yield
        finally:
            self._executing.pop(run_id, None)

    def executing(self, run_id: str, thread_id: str) -> bool:
        """Whether this worker executes that run of that thread, or committed
        its outcome lately: the run exists, no need to ask PostgreSQL."""
        recent = self._recent.get(run_id)
        return self._executing.get(run_id) == thread_id or (
            recent is not None and recent[0] == thread_id
        )

    async def wait_local(self, run_id: str) -> tuple[bool, Any]:
        """For a run executing or lately finished here: (True, its result) once
        its outcome is committed; (False, None) if it is not ours or stopped
        without one."""
        if run_id in self._recent:
            return True, self._recent[run_id][1]
        finished = self._finished.get(run_id)
        if finished is None:
            return False, None
        result = await asyncio.shield(finished)
        return (result is not _STOPPED), (None if result is _STOPPED else result)

    def remember(self, run_id: str, thread_id: str, result: Any) -> None:
        """The run's outcome is committed: its waiters have its result."""
        _settle(self._finished.get(run_id), result)
        self._recent[run_id] = (thread_id, result)
        if len(self._recent) > _RECENT_OUTCOMES:
            del self._recent[next(iter(self._recent))]
