"""Domain errors; api/errors.py maps each to an HTTP status."""


class DomainError(Exception):
    pass


class NotFound(DomainError):
    """`detail`: the official server's own wording, where clients see it."""

    def __init__(self, kind: str, ident: str, detail: str | None = None) -> None:
        super().__init__(detail or f"{kind} '{ident}' not found")
        self.kind, self.ident = kind, ident


class AlreadyExists(DomainError):
    def __init__(self, kind: str, ident: str) -> None:
        super().__init__(f"{kind} '{ident}' already exists")


class ThreadBusy(DomainError):
    def __init__(self, thread_id: str) -> None:
        super().__init__(
            f"thread '{thread_id}' is busy with another run; "
            "use multitask_strategy 'enqueue', 'interrupt' or 'rollback'"
        )


class NotInterrupted(DomainError):
    def __init__(self, thread_id: str) -> None:
        super().__init__(f"thread '{thread_id}' is not interrupted: there is nothing to resume")


class RunAlreadyFinished(DomainError):
    def __init__(self, run_id: str, status: str) -> None:
        super().__init__(f"run '{run_id}' already finished with status '{status}'")


class InvalidInput(DomainError):
    pass


class ConcurrencyConflict(DomainError):
    """A writer appended with a stale stream version."""

    def __init__(self, stream_id: str, expected: int) -> None:
        super().__init__(f"stream '{stream_id}' moved past version {expected}")
        self.stream_id = stream_id


class Fenced(DomainError):
    """A write from an executor whose lease epoch is no longer current."""

    def __init__(self, run_id: str, epoch: int) -> None:
        super().__init__(f"run '{run_id}': epoch {epoch} is no longer the owner")


class Unschedulable(InvalidInput):
    """A stored run whose start time cannot be computed (its delay was stored
    before delays were checked): it can never start, so it fails."""

    def __init__(self, run_id: str, reason: str) -> None:
        super().__init__(f"run '{run_id}' cannot be scheduled: {reason}")
        self.run_id, self.reason = run_id, reason
