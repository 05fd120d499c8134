"""The executor: runs claimed runs here, durably. `executor.Executor`
orchestrates claim -> run -> finish; its parts: `capacity` (run slots),
`leases` (renewal, hand-back), `graph_run` (the graph, its outcome),
`run_stream` (what a run publishes), `results` (outcomes waiters read here)."""

from .deps import ExecutorDeps
from .executor import Executor
from .graph_run import GraphOutcome

__all__ = ["Executor", "ExecutorDeps", "GraphOutcome"]
