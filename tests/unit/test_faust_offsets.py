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


def _acking_consumer(generation: int, active: bool = True):
    from weakref import WeakSet

    from workers.infra.faust_offsets import _ack

    app = SimpleNamespace(consumer_generation_id=generation,
                          flow_control=SimpleNamespace(is_active=lambda: active),
                          topics=SimpleNamespace(acks_enabled_for=lambda topic: True))
    c = consumer([], committed=241)
    c.app, c._unacked_messages, c._n_acked, c._waiting_for_ack = app, WeakSet(), 0, None
    return c, _ack


class _Message:
    def __init__(self, offset: int, generation: int) -> None:
        self.tp, self.topic, self.offset, self.generation_id, self.acked = TP, TP.topic, offset, generation, False


def test_a_message_skipped_as_stale_after_a_rebalance_is_not_counted_as_handled() -> None:
    """faust acks the messages it skips for an old generation; their offsets must stay uncommitted."""
    c, ack = _acking_consumer(generation=4)
    stale = _Message(241, generation=3)
    assert ack(c, stale) is False and c._acked[TP] == [] and _new_offset(c, TP) is None
    assert ack(c, _Message(241, generation=4)) is True and _new_offset(c, TP) == 242


def test_acks_while_the_flow_is_stopped_for_a_rebalance_are_refused() -> None:
    c, ack = _acking_consumer(generation=4, active=False)
    assert ack(c, _Message(241, generation=4)) is False and c._acked[TP] == []
