"""Exponential backoff with jitter and a bounded number of attempts.

Jitter spreads the retries of many gateway tasks that failed together (an M3 outage) so they do
not come back in one wave. The random source is injectable, so tests are deterministic.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    base_delay: float = 0.2
    max_delay: float = 10.0
    jitter: float = 0.5

    def delay(self, attempt: int, rng: random.Random, at_least: float = 0.0) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return max(at_least, ceiling * (1 - self.jitter * rng.random()))
