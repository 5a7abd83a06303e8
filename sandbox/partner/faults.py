"""Deterministic misbehaviour: outages, errors and lost answers, reproducible from a seed.

The dangerous fault for our service is the lost answer: the partner *did* create the case but
the response never arrives (``timeout``/``error_after``), so a careless client re-sends and
creates a double. ``error`` faults refuse before acting. Random faults draw from one RNG seeded
by the mode's seed, so the same requests in the same order fail the same way every run;
scripted faults fire first, in order, regardless of chance.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from sandbox.partner.settings import FaultSettings

_RANDOM_ERROR_STATUSES = (500, 502, 503, 429)


@dataclass(frozen=True)
class Plan:
    kind: str | None = None  # None, "error", "error_after", "timeout"
    status: int = 503


NO_FAULT = Plan()


class FaultInjector:
    def __init__(
        self, settings: FaultSettings, seed: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.settings = settings
        self._rng = random.Random(f"faults:{seed}")
        self._clock = clock
        self._since = clock()
        self._remaining = [[fault, fault.times] for fault in settings.script]

    @property
    def timeout_s(self) -> float:
        return self.settings.timeout_s

    def in_outage(self) -> bool:
        elapsed = self._clock() - self._since
        return any(o.start_s <= elapsed < o.end_s for o in self.settings.outages)

    def plan(self, operation: str) -> Plan:
        if self.in_outage():
            return Plan("error", 503)
        for entry in self._remaining:
            fault, left = entry
            if fault.operation == operation and left > 0:
                entry[1] = left - 1
                return Plan(fault.kind, 500 if fault.kind == "error_after" else fault.status)
        chosen = self.settings.operations
        if chosen is not None and operation not in chosen:
            return NO_FAULT
        draw = self._rng.random()
        if draw < self.settings.error_rate:
            return Plan("error", self._rng.choice(_RANDOM_ERROR_STATUSES))
        if draw < self.settings.error_rate + self.settings.timeout_rate:
            return Plan("timeout")
        return NO_FAULT
