"""What a failed run tells its clients (the `error` event, the run's result):
the exception's type always, its message only for the types the official
server lets through. Any other message may carry what the graph's code held
(a connection string, a key, a user's data): it is logged with the traceback
for the operator, and the client reads "An internal error occurred"."""

from __future__ import annotations

from langgraph.errors import EmptyInputError, GraphBubbleUp, InvalidUpdateError, TaskNotFound
from starlette.exceptions import HTTPException

HIDDEN = "An internal error occurred"
# As langgraph_api/serde.py: Python's everyday errors, LangGraph's own, HTTP
# errors (an auth failure while streaming).
SHOWN: tuple[type[BaseException], ...] = (
    ValueError,
    TypeError,
    KeyError,
    AttributeError,
    RuntimeError,
    RecursionError,
    TimeoutError,
    InvalidUpdateError,
    GraphBubbleUp,
    EmptyInputError,
    TaskNotFound,
    HTTPException,
)


def public_error(exc: BaseException) -> tuple[str, str]:
    """(type name, message) as a client may read them."""
    return type(exc).__name__, str(exc) if isinstance(exc, SHOWN) else HIDDEN
