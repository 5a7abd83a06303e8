"""At-least-once on faust-streaming 0.15: never commit past a message no agent finished.

The fault run caught the case processor committing ``ledger.overdue`` offsets beyond four
invoices it never saw, after a SIGKILL and a rebalance: those invoices were lost. Two known faust
defects combine (faust-streaming#606, #221; robinhood/faust#559): messages fetched before a
rebalance can be dropped without reaching the agent, and the commit then skips them — the
"gap" bookkeeping (meant for compacted and transactional topics) counts holes in the acked
offsets as acked, and the commit check tolerates a hole of exactly one message.

The drop itself is an ack: a stream skips a message fetched under an older consumer generation
(or while the flow is stopped for a rebalance) and acks it as if handled, so its offset can be
committed before the partition is re-read from the committed offset — the fault run lost a
partner's receipt that way. Such acks are refused here: the message is read again instead.

Our stream topics are neither compacted nor transactional, so a hole is never legitimate. This
module replaces three consumer methods: acks of stale messages are refused, the commit stops at
the first offset not acked, and holes are not filled. A hole then holds the partition's commit back instead of losing data;
`repair_holes` (a timer every worker runs) seeks such a partition back to its committed offset
once the hole has outlived a grace period, so the dropped messages are read again (re-reading
is harmless: every handler is idempotent).
"""

from __future__ import annotations

import time
from typing import Any

from faust.transport.consumer import Consumer
from faust.utils.functional import consecutive_numbers
from mode.utils.futures import notify

from workers.infra.logs import get_logger

log = get_logger(__name__)
HOLE_GRACE_S = 10.0


def _new_offset(self: Any, tp: Any) -> int | None:
    """The offset to commit for ``tp``: one past the run of acked offsets that starts at the
    committed one; None while the next message to commit has not been acked."""
    acked = self._acked[tp]
    if not acked:
        return None
    acked.sort()
    committed = self._committed_offset[tp]
    if committed is not None and acked[0] < committed:  # stale acks from before a seek
        del acked[: sum(1 for offset in acked if offset < committed)]
        self._acked_index[tp].intersection_update(acked)
    if not acked or (committed is not None and acked[0] != committed):
        return None
    batch = next(consecutive_numbers(acked))
    acked[: len(batch)] = []
    self._acked_index[tp].difference_update(batch)
    return batch[-1] + 1


_faust_ack = Consumer.ack


def _ack(self: Any, message: Any) -> bool:
    """Count a message as handled only if it belongs to the current generation and flow."""
    app = self.app
    if message.generation_id != app.consumer_generation_id or not app.flow_control.is_active():
        self._unacked_messages.discard(message)
        message.acked = True  # this copy is finished with; the partition is read again from the commit
        notify(self._waiting_for_ack)  # a rebalance waiting for the stream to empty sees it go
        return False
    return _faust_ack(self, message)


async def _no_gap(self: Any, tp: Any, offset_from: int, offset_to: int) -> None:
    """A jump in offsets is a message that was not delivered, never one to count as acked."""


def install() -> None:
    """Patch faust's consumer once per process (every app shares the class)."""
    if getattr(Consumer, "_dcs_offsets", False):
        return
    Consumer.ack = _ack  # type: ignore[method-assign]
    Consumer._new_offset = _new_offset  # type: ignore[method-assign]
    Consumer._add_gap = _no_gap  # type: ignore[method-assign]
    Consumer._dcs_offsets = True  # type: ignore[attr-defined]


class HoleWatch:
    """Seeks a partition back to its committed offset when a hole in its acks does not close."""

    def __init__(self, grace_s: float = HOLE_GRACE_S, clock=time.monotonic) -> None:
        self._grace_s = grace_s
        self._clock = clock
        self._since: dict[Any, tuple[int, float]] = {}

    def holes(self, consumer: Any) -> list[tuple[Any, int]]:
        """Partitions whose next offset to commit has been missing from the acks for too long."""
        now, due, seen = self._clock(), [], set()
        for tp, acked in list(consumer._acked.items()):
            committed = consumer._committed_offset.get(tp)
            if not acked or committed is None or min(acked) <= committed:
                continue
            seen.add(tp)
            first = self._since.get(tp)
            if first is None or first[0] != committed:
                self._since[tp] = (committed, now)
            elif now - first[1] >= self._grace_s:
                due.append((tp, committed))
                del self._since[tp]
        for tp in set(self._since) - seen:
            del self._since[tp]
        return due

    async def repair(self, consumer: Any) -> int:
        repaired = 0
        for tp, committed in self.holes(consumer):
            log.warning("offset_hole_repaired", topic=tp.topic, partition=tp.partition, offset=committed)
            consumer._acked[tp].clear()
            consumer._acked_index[tp].clear()
            await consumer.seek(tp, committed)
            repaired += 1
        return repaired
