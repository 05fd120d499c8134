"""The exceptions a NATS call raises when the broker is down, slow or refuses."""

from __future__ import annotations

import nats.errors
import nats.js.errors

# nats.errors.TimeoutError is an nats.errors.Error; OSError covers sockets.
NATS_ERRORS: tuple[type[Exception], ...] = (nats.errors.Error, nats.js.errors.Error, OSError)


class NatsUnavailable(ConnectionError):
    """Not connected to NATS right now (the client is reconnecting)."""
