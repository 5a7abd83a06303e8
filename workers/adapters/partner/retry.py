"""When to retry a partner call, how long to wait, and whether the partner may have acted.

The last question is the one that prevents double cases: a request that never left (connect
error) can simply be sent again, but after a read timeout or a 500 the partner may already
have created the case, so the caller must look before re-sending. 429 and 503 are the
partner saying "not now" before doing anything (the sandbox's documented contract), so they
are safe to re-send.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from enum import Enum

import httpx


class Outcome(Enum):
    DONE = "done"  # 2xx/3xx or a definitive 4xx answer
    NOT_SENT = "not_sent"  # nothing reached the partner, or it refused before acting
    UNCERTAIN = "uncertain"  # the partner may or may not have acted


_NOT_SENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def classify_exception(exc: httpx.TransportError) -> Outcome:
    return Outcome.NOT_SENT if isinstance(exc, _NOT_SENT_ERRORS) else Outcome.UNCERTAIN


def classify_status(status_code: int) -> Outcome:
    if status_code in (429, 503):
        return Outcome.NOT_SENT
    if status_code >= 500:
        return Outcome.UNCERTAIN
    return Outcome.DONE


def retry_after_s(response: httpx.Response | None) -> float | None:
    if response is None:
        return None
    value = response.headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, bounded in attempts and in each wait."""

    max_attempts: int = 5
    base_delay_s: float = 0.2
    max_delay_s: float = 5.0
    rng: random.Random = field(default_factory=random.Random, compare=False)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Wait before attempt number ``attempt`` (1 = the first retry)."""
        ceiling = min(self.max_delay_s, self.base_delay_s * (2 ** (attempt - 1)))
        wait = self.rng.uniform(0, ceiling)
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.max_delay_s))
        return wait
