"""Lanes: partitions side by side, each in order, acks only for finished work."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from workers.infra.partition_lanes import PartitionLanes
from workers.partner_gateway.feed import PullResult
from workers.partner_gateway.pulls import ReadCoverage


def _event(partition: int, offset: int) -> SimpleNamespace:
    return SimpleNamespace(message=SimpleNamespace(topic="t", partition=partition, offset=offset))


async def test_a_slow_partition_does_not_hold_up_the_others_and_each_keeps_its_order() -> None:
    done: list[tuple[int, int]] = []
    acked: list[tuple[int, int]] = []
    release = asyncio.Event()

    async def handle(event) -> bool:
        if event.message.partition == 0:
            await release.wait()
        done.append((event.message.partition, event.message.offset))
        return event.message.offset != 2 or event.message.partition != 1

    async def ack(event) -> None:
        acked.append((event.message.partition, event.message.offset))

    lanes = PartitionLanes(handle, ack)
    for offset in range(4):
        for partition in (0, 1):
            await lanes.submit(_event(partition, offset))
    await asyncio.sleep(0.05)
    assert [d for d in done if d[0] == 1] == [(1, 0), (1, 1), (1, 2), (1, 3)]
    assert not [d for d in done if d[0] == 0]
    release.set()
    await asyncio.sleep(0.05)
    assert [d for d in done if d[0] == 0] == [(0, 0), (0, 1), (0, 2), (0, 3)]
    assert (1, 2) not in acked and len(acked) == 7
    await lanes.close()


async def test_a_crashing_handler_leaves_its_event_unacked_and_the_lane_alive() -> None:
    acked: list[int] = []

    async def handle(event) -> bool:
        if event.message.offset == 0:
            raise RuntimeError("bug")
        return True

    async def ack(event) -> None:
        acked.append(event.message.offset)

    lanes = PartitionLanes(handle, ack)
    await lanes.submit(_event(0, 0))
    await lanes.submit(_event(0, 1))
    await asyncio.sleep(0.05)
    assert acked == [1]
    await lanes.close()


def test_a_feed_read_answers_every_request_made_before_it_started() -> None:
    coverage = ReadCoverage()
    assert coverage.covering("INTRUM", 10.0) is None
    coverage.read("INTRUM", 20.0, PullResult(False, reason="503"))
    assert coverage.covering("INTRUM", 10.0) is None
    ok = PullResult(True, published=3)
    coverage.read("INTRUM", 20.0, ok)
    assert coverage.covering("INTRUM", 19.9) is ok
    assert coverage.covering("INTRUM", 20.0) is None
    assert coverage.covering("SVEA", 1.0) is None
    assert coverage.covering("INTRUM", None) is None
