"""The exceptions a NATS call raises when the broker is down, slow or refuses."""

from __future__ import annotations

import nats.errors
import nats.js.errors

# nats.errors.TimeoutError is an nats.errors.Error; OSError covers sockets.
NATS_ERRORS: tuple[type[Exception], ...] = (nats.errors.Error, nats.js.errors.Error, OSError)

# What a JetStream cluster answers while it forms or elects a leader (a node
# died): worth asking again in a moment.
NATS_BUSY: tuple[type[Exception], ...] = (
    nats.errors.TimeoutError,
    nats.errors.NoRespondersError,
    nats.js.errors.ServiceUnavailableError,
    nats.js.errors.NoStreamResponseError,
)


class NatsUnavailable(ConnectionError):
    """Not connected to NATS right now (the client is reconnecting)."""
