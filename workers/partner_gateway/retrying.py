"""Wait out a partner that cannot answer now, without dropping or skipping the command.

The adapter already retries each call a few times; when it gives up (an outage, a partner
that keeps timing out, credentials being rotated) the command is *not* done and must not be
acknowledged, because the next one in the partition may depend on it (a payment after its
registration). So the gateway keeps the offset where it is and tries the whole command again
with a growing backoff, for as long as it takes, and says so in ``health.retrying``.
Every new attempt looks before it writes (commands.py), so waiting never creates a double.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx

from workers.adapters.partner import (
    AuthenticationFailed,
    MissingSecret,
    PartnerProtocolError,
    PartnerUnavailable,
    RetryPolicy,
)
from workers.infra.health import WorkerHealth
from workers.infra.logs import get_logger
from workers.partner_gateway.connection import PartnerNotConfigured

log = get_logger(__name__)
T = TypeVar("T")

TRANSIENT: tuple[type[BaseException], ...] = (
    PartnerUnavailable,       # outage, 5xx/429/timeouts after the adapter's own retries
    PartnerProtocolError,     # a partner mid-deploy answering HTML; the state there is uncertain
    AuthenticationFailed,     # a rotated key: fixed by replacing the secret, picked up at next use
    MissingSecret,
    PartnerNotConfigured,
    httpx.TransportError,
)


async def until_done(
    attempt: Callable[[], Awaitable[T]],
    *,
    health: WorkerHealth,
    policy: RetryPolicy,
    what: dict[str, Any],
    transient: tuple[type[BaseException], ...] = TRANSIENT,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
) -> T:
    """``attempt()``'s result; transient failures are retried forever with backoff."""
    failures = 0
    try:
        while True:
            try:
                return await attempt()
            except transient as error:
                failures += 1
                if failures == 1:
                    health.retrying += 1
                health.count("retries")
                delay = policy.delay(min(failures, 16))
                log.warning("partner_call_waiting", **what, attempt=failures, retry_in_s=round(delay, 2),
                            error=f"{type(error).__name__}: {error}"[:300])
                await sleep(delay)
    finally:
        if failures:
            health.retrying -= 1
