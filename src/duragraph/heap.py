"""Python's cyclic garbage collector, set for a long-running server.

A request or a streamed token allocates thousands of short-lived objects
(LangGraph, pydantic, psycopg), so Python's default (a young-generation
collection every 700 allocations) spent about a tenth of the server's CPU
collecting; garbage in cycles waits a little longer here (`tune`). Measured
in bench/bench_server.py.

What a server process imports and builds before it is ready (modules,
classes, compiled graphs, pools: some 170,000 objects) lives as long as the
process, yet every full collection walked through all of it, with the event
loop stopped: 100-270 ms at a time with 100 runs streaming tokens, about a
tenth of the CPU. Once the process is ready, `freeze_startup` collects what
starting left behind and takes the rest out of the collector's sight.
Measured in bench/bench_agents.py."""

from __future__ import annotations

import gc

THRESHOLDS = (20_000, 20, 10)


def tune() -> None:
    """Before anything is imported: the collector's thresholds."""
    gc.set_threshold(*THRESHOLDS)


def freeze_startup() -> None:
    """Once the process is ready: garbage left by starting is collected, and
    every object still alive is moved to the permanent generation, which no
    later collection walks (objects created from now on are collected as
    before). Called again after a hot reload: what was frozen is thawed
    first, so the graphs' old modules are collected, not kept for good."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
