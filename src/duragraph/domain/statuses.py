"""Run and thread statuses, as clients and the read models spell them.

Members are `str`s named after their values, so JSON, SQL parameters and
comparisons with stored strings see the same words as before.
"""

from __future__ import annotations

from enum import StrEnum


class RunStatus(StrEnum):
    pending = "pending"
    running = "running"
    error = "error"
    success = "success"
    timeout = "timeout"
    interrupted = "interrupted"


class ThreadStatus(StrEnum):
    idle = "idle"
    busy = "busy"
    interrupted = "interrupted"
    error = "error"


ACTIVE = (RunStatus.pending, RunStatus.running)
TERMINAL = (RunStatus.error, RunStatus.success, RunStatus.timeout, RunStatus.interrupted)
