"""Which checkpoints a retention policy drops: the last N and those younger
than T are kept, and the latest of a namespace and its parent always."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from duragraph.domain.errors import InvalidInput
from duragraph.domain.retention import Retention, StoredCheckpoint, to_prune

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def chain(n: int, ns: str = "", minutes_apart: float = 10) -> list[StoredCheckpoint]:
    """n checkpoints, each the parent of the next; the newest was made NOW."""
    return [
        StoredCheckpoint(
            ns,
            f"c{i:03}",
            f"c{i - 1:03}" if i else None,
            NOW - timedelta(minutes=minutes_apart * (n - 1 - i)),
        )
        for i in range(n)
    ]


def ids(pruned: list[tuple[str, str]]) -> list[str]:
    return sorted(checkpoint_id for _, checkpoint_id in pruned)


def test_keep_last_drops_all_but_the_newest_n_of_each_namespace() -> None:
    checkpoints = chain(6) + chain(4, ns="sub:1")
    pruned = to_prune(checkpoints, Retention(keep_last=3), NOW)
    assert sorted(pruned) == [("", "c000"), ("", "c001"), ("", "c002"), ("sub:1", "c000")]


def test_max_age_drops_checkpoints_older_than_it() -> None:
    pruned = to_prune(chain(6), Retention(max_age_minutes=25), NOW)
    assert ids(pruned) == ["c000", "c001", "c002"]  # 50, 40, 30 minutes old


def test_both_rules_drop_what_either_drops() -> None:
    pruned = to_prune(chain(6), Retention(keep_last=4, max_age_minutes=35), NOW)
    assert ids(pruned) == ["c000", "c001"]
    pruned = to_prune(chain(6), Retention(keep_last=2, max_age_minutes=1000), NOW)
    assert ids(pruned) == ["c000", "c001", "c002", "c003"]


def test_the_latest_and_its_parent_are_kept_whatever_the_policy() -> None:
    old = chain(3, minutes_apart=600)
    assert to_prune(old, Retention(keep_last=1, max_age_minutes=1), NOW) == [("", "c000")]
    forked = [*chain(3), StoredCheckpoint("", "c009", "c000", NOW)]  # a fork from c000
    assert ids(to_prune(forked, Retention(keep_last=1), NOW)) == ["c001", "c002"]


@pytest.mark.parametrize(
    "keep_last, max_age", [(0, None), (True, None), (2.5, None), (None, 0), (None, "1d")]
)
def test_a_policy_that_means_nothing_is_refused(keep_last, max_age) -> None:
    with pytest.raises(InvalidInput):
        Retention(keep_last, max_age)
