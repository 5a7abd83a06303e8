"""Runs one command until M3 gave a final answer, without ever dropping it.

A transient failure is retried with backoff for as long as it takes; meanwhile the command's
offset stays uncommitted, so a crash or restart starts with the same command again. The one
reason to stop early is losing the partition (a rebalance, or the worker stopping): the runner
then gives the command back unfinished (`None`) and whoever owns the partition next reads it
again from the committed offset. `health.in_flight` counts a command while M3 is being called,
`health.retrying` while it waits for its next try; the scenario runner waits on both.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable

from contracts import Envelope
from workers.adapters.m3 import WriteOutcome
from workers.infra.health import WorkerHealth
from workers.infra.logs import get_logger
from workers.m3_gateway.retry_policy import Backoff, should_retry

log = get_logger(__name__)

Execute = Callable[[Envelope], Awaitable[WriteOutcome]]
StillOwned = Callable[[], bool]
OWNERSHIP_CHECK_S = 0.25


class CommandRunner:
    def __init__(self, execute: Execute, health: WorkerHealth, backoff: Backoff = Backoff(), *,
                 rng: random.Random | None = None) -> None:
        self._execute = execute
        self._health = health
        self._backoff = backoff
        self._rng = rng or random.Random()

    async def run(self, command: Envelope, still_owned: StillOwned = lambda: True) -> WriteOutcome | None:
        """The final outcome (ok, or permanently refused); None if the partition was lost first."""
        attempt = 0
        while True:
            attempt += 1
            outcome = await self._attempt(command)
            if not should_retry(outcome):
                return outcome
            delay = self._backoff.delay(attempt, self._rng)
            self._health.count("retries")
            log.warning("m3_command_retry", command_id=str(command.event_id), command_type=command.type,
                        attempt=attempt, retry_in=round(delay, 2), reason=outcome.detail[:300])
            if not await self._wait(delay, still_owned):
                log.info("m3_command_handed_back", command_id=str(command.event_id), attempt=attempt)
                return None

    async def _attempt(self, command: Envelope) -> WriteOutcome:
        self._health.in_flight += 1
        try:
            return await self._execute(command)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a bug or an unexpected client error must not drop the command
            log.error("m3_command_error", command_id=str(command.event_id), command_type=command.type,
                      error=type(error).__name__)
            return WriteOutcome(False, False, f"unexpected {type(error).__name__}")
        finally:
            self._health.in_flight -= 1

    async def _wait(self, delay: float, still_owned: StillOwned) -> bool:
        """Sleep ``delay`` seconds, waking early (False) if the partition is no longer ours."""
        self._health.retrying += 1
        try:
            deadline = time.monotonic() + delay
            while still_owned():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return True
                await asyncio.sleep(min(remaining, OWNERSHIP_CHECK_S))
            return False
        finally:
            self._health.retrying -= 1
