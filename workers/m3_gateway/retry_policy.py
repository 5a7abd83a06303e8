"""Which failed M3 writes are worth trying again, and how long to wait before the next try.

The adapter already separates "M3 said no" (permanent) from "M3 could not be reached" (transient)
and retries a few times inside one call. The gateway's policy sits on top: a transient outcome is
retried for as long as it takes (dropping a command would leave M3 out of step with the case), a
permanent one is reported once. One exception: M3 reports a locked record as an error *inside*
HTTP 200, which the adapter sees as permanent, but it clears by itself — so those messages are
retried too. The marker texts are the sandbox's and common M3 wording; a tenant whose message
file says it differently adds its phrase here.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from workers.adapters.m3 import WriteOutcome

TRANSIENT_IN_200 = ("try again later", "is locked", "record locked", "being changed by another", "in use by")


def should_retry(outcome: WriteOutcome) -> bool:
    """True for a failure that may go away by itself: transient, or a lock reported inside 200."""
    if outcome.ok:
        return False
    if not outcome.permanent:
        return True
    detail = outcome.detail.lower()
    return any(marker in detail for marker in TRANSIENT_IN_200)


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with jitter, capped: the gateway never gives up, it only waits longer.

    Jitter spreads the retries of several gateway instances that failed together (an M3 outage).
    The first waits are short because the usual cause is short (a record locked by another job,
    one 503); the doubling reaches the cap within eight tries when M3 is really down.
    """

    base: float = 0.25
    cap: float = 30.0
    jitter: float = 0.25

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        ceiling = min(self.cap, self.base * 2 ** min(attempt - 1, 32))
        return ceiling * (1 - self.jitter * rng.random())
