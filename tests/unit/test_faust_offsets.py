"""The strict commit: never past an offset no agent finished; holes are re-read, not skipped."""

from __future__ import annotations

from collections import defaultdict
from types import SimpleNamespace

from workers.infra.faust_offsets import HoleWatch, _new_offset

from faust.types import TP as TopicPartition

TP = TopicPartition("ledger.overdue", 2)


def consumer(acked: list[int], committed: int | None) -> SimpleNamespace:
    return SimpleNamespace(_acked=defaultdict(list, {TP: list(acked)}),
                           _acked_index=defaultdict(set, {TP: set(acked)}),
                           _committed_offset=defaultdict(lambda: None, {TP: committed}))


def test_the_commit_moves_over_the_run_of_acks_that_starts_at_the_committed_offset() -> None:
    c = consumer([163, 164, 165, 167], committed=163)
    assert _new_offset(c, TP) == 166
    assert c._acked[TP] == [167] and c._acked_index[TP] == {167}


def test_a_hole_of_one_message_holds_the_commit_back() -> None:
    """faust itself would commit 168 here, skipping 163 (the defect the fault run found)."""
    assert _new_offset(consumer([164, 165, 166, 167], committed=163), TP) is None


def test_acks_from_before_a_seek_back_are_dropped() -> None:
    c = consumer([160, 161, 163], committed=163)
    assert _new_offset(c, TP) == 164


def test_without_a_committed_offset_the_first_run_is_committed() -> None:
    assert _new_offset(consumer([0, 1, 2], committed=None), TP) == 3


async def test_a_hole_that_outlives_the_grace_period_is_read_again() -> None:
    now = [0.0]
    watch = HoleWatch(grace_s=10, clock=lambda: now[0])
    seeks = []

    async def seek(tp, offset):
        seeks.append((tp.partition, offset))

    c = consumer([164, 165], committed=163)
    c.seek = seek
    assert await watch.repair(c) == 0
    now[0] = 5.0
    assert await watch.repair(c) == 0
    now[0] = 10.5
    assert await watch.repair(c) == 1
    assert seeks == [(2, 163)] and c._acked[TP] == [] and c._acked_index[TP] == set()


async def test_a_hole_that_closes_is_forgotten() -> None:
    now = [0.0]
    watch = HoleWatch(grace_s=10, clock=lambda: now[0])
    c = consumer([164], committed=163)
    watch.holes(c)
    c._acked[TP] = [163, 164]
    now[0] = 20.0
    assert watch.holes(c) == []
    c._acked[TP] = [164]
    c._committed_offset[TP] = 163
    assert watch.holes(c) == []
