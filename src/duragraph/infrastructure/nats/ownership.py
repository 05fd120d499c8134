"""One NATS subject prefix, one database. Two deployments on one NATS with
the same prefix but different databases would take each other's dispatched
runs (and find no such run) and mix their event streams; the first to start
writes its database's identity into a key-value bucket of the prefix, and a
later one with another database refuses to start."""

from __future__ import annotations

import asyncio

from nats.js import JetStreamContext
from nats.js.api import KeyValueConfig
from nats.js.errors import (
    APIError,
    BadRequestError,
    KeyWrongLastSequenceError,
    NoStreamResponseError,
)
from nats.js.kv import KeyValue

from .replicas import refused, rescale, settled, unplaceable
from .subjects import stream_name

_KEY = "database"
_STREAM_NAME_IN_USE = 10058  # the bucket exists, with another configuration
# `serve` and `worker` often start together: the second to create the bucket
# at the same moment may be refused (400), or write before the stream answers;
# a retry finds it made.
_RACING = (BadRequestError, NoStreamResponseError)
_ATTEMPTS, _PAUSE_S = 5, 0.2


class PrefixTaken(Exception):
    pass


def owner_bucket(prefix: str) -> str:
    return stream_name(prefix, "OWNER")  # its stream is KV_<bucket>


async def claim_prefix(
    js: JetStreamContext, prefix: str, identity: str, *, replicas: int = 1
) -> None:
    """Raises PrefixTaken if the prefix is another database's, StreamRefused
    if NATS will not keep the bucket with `replicas` copies."""
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            owner = await _owner(await _bucket(js, prefix, replicas), identity)
            break
        except _RACING:
            if attempt == _ATTEMPTS:
                raise
            await asyncio.sleep(_PAUSE_S)
    if owner != identity:
        raise PrefixTaken(
            f"the NATS subject prefix {prefix!r} is used by {owner}, but this deployment uses "
            f"{identity}: two deployments sharing a prefix would take each other's runs. "
            "Give this one its own DURAGRAPH_NATS_PREFIX (or point it at that database)."
        )


async def _bucket(js: JetStreamContext, prefix: str, replicas: int) -> KeyValue:
    bucket = owner_bucket(prefix)
    try:
        kv = await js.create_key_value(KeyValueConfig(bucket, history=1, replicas=replicas))
    except APIError as exc:
        if unplaceable(exc):
            raise refused(exc, f"KV_{bucket}", replicas) from None
        if exc.err_code != _STREAM_NAME_IN_USE:
            raise  # perhaps a concurrent start's: retried
        await rescale(js, f"KV_{bucket}", replicas)  # made with another count
        kv = await js.key_value(bucket)
    await settled(js, f"KV_{bucket}", replicas)
    return kv


async def _owner(kv: KeyValue, identity: str) -> str:
    """The prefix's owner: `identity` if this call (or an earlier one) made it so."""
    try:
        await kv.create(_KEY, identity.encode())
        return identity
    except KeyWrongLastSequenceError:
        return ((await kv.get(_KEY)).value or b"").decode()
