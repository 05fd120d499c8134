"""The executor: runs claimed runs here, durably (see executor.py)."""
from .executor import Executor, ExecutorDeps, GraphOutcome

__all__ = ["Executor", "ExecutorDeps", "GraphOutcome"]
