"""A server process's collector once it is ready (duragraph.heap)."""

import gc
import weakref
from collections.abc import Iterator

import pytest

from duragraph import heap


class _Node:
    pass


def _cycle() -> weakref.ref:
    """A weak reference to garbage that only the cyclic collector frees."""
    node = _Node()
    node.me = node  # type: ignore[attr-defined]
    return weakref.ref(node)


@pytest.fixture
def thawed() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_startup_garbage_is_collected_and_what_lives_is_left_out_of_collections(
    thawed: None,
) -> None:
    left_by_startup = _cycle()
    kept = _Node()
    heap.freeze_startup()
    assert left_by_startup() is None  # not frozen for good
    assert gc.get_freeze_count() > 0
    assert not any(o is kept for o in gc.get_objects())  # no collection walks it


def test_garbage_made_after_the_freeze_is_still_collected(thawed: None) -> None:
    heap.freeze_startup()
    later = _cycle()
    gc.collect()
    assert later() is None


def test_freezing_again_after_a_reload_frees_what_was_frozen_and_has_died(thawed: None) -> None:
    module = _Node()
    module.me = module  # type: ignore[attr-defined]
    old_module = weakref.ref(module)
    heap.freeze_startup()
    del module  # the reload dropped the graph's old module; frozen, it stays
    gc.collect()
    assert old_module() is not None
    heap.freeze_startup()
    assert old_module() is None
