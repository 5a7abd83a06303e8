"""Commands of different partitions side by side, each partition's strictly in order.

A gateway's commands are keyed by case, so order matters only within a partition. Working
through all partitions one command at a time makes every wait — a retry backoff after a 503, a
record locked in M3, a partner timeout — stall every other case too. A lane per partition lets
the partitions wait independently, while each lane still runs its commands in log order and
acks them in that order, so the committed offset never passes a command that is not finished
and a crash re-delivers exactly the unfinished ones.

A full lane blocks `submit`, which stops the stream from reading further: backpressure instead
of an unbounded buffer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from workers.infra.logs import get_logger

log = get_logger(__name__)

Handle = Callable[[Any], Awaitable[bool]]
"""Work one event; True = finished (ack it), False = leave it for the partition's next owner."""
Ack = Callable[[Any], Awaitable[Any]]


class PartitionLanes:
    def __init__(self, handle: Handle, ack: Ack, depth: int = 64) -> None:
        self._handle = handle
        self._ack = ack
        self._depth = depth
        self._queues: dict[tuple[str, int], asyncio.Queue[Any]] = {}
        self._workers: dict[tuple[str, int], asyncio.Task[None]] = {}

    async def submit(self, event: Any) -> None:
        message = event.message
        lane = (message.topic, message.partition)
        queue = self._queues.get(lane)
        if queue is None:
            queue = self._queues[lane] = asyncio.Queue(self._depth)
            self._workers[lane] = asyncio.create_task(self._work(queue), name=f"lane-{lane[0]}-{lane[1]}")
        await queue.put(event)

    async def _work(self, queue: asyncio.Queue[Any]) -> None:
        while True:
            event = await queue.get()
            try:
                if await self._handle(event):
                    await self._ack(event)
            except asyncio.CancelledError:
                raise
            except Exception:  # the handler owns its errors; this only keeps the lane alive
                log.exception("lane_handler_crashed", partition=event.message.partition,
                              offset=event.message.offset)
            finally:
                queue.task_done()

    def pending(self) -> int:
        return sum(queue.qsize() for queue in self._queues.values())

    async def close(self) -> None:
        for task in self._workers.values():
            task.cancel()
        await asyncio.gather(*self._workers.values(), return_exceptions=True)
        self._workers.clear()
        self._queues.clear()
