"""Timings of the gateway that are ours to choose, not the tenant's configuration.

Production uses the defaults; tests shorten them so a fault run fits in seconds. Kept out of
``Settings`` because none of them is something an operator should need to tune per site.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from workers.adapters.partner import RetryPolicy


@dataclass(frozen=True)
class GatewayOptions:
    http_timeout_s: float = 10.0
    connect_timeout_s: float = 5.0
    call_retry: RetryPolicy = field(default_factory=RetryPolicy)
    """The adapter's own retries of one call (reads, and writes with look-before-retry)."""
    command_retry: RetryPolicy = field(
        default_factory=lambda: RetryPolicy(base_delay_s=0.5, max_delay_s=30.0)
    )
    """Backoff between whole attempts of a command while the partner is unavailable."""
    webhook_tolerance_s: float = 300.0
    """Replay window: a signature older or newer than this is refused."""
    pull_wait_s: float = 25.0
    """How long a webhook waits for the feed read it triggered before answering 503."""
    ack_timeout_s: float = 30.0
    max_webhook_bytes: int = 64 * 1024

    @property
    def http_timeout(self) -> httpx.Timeout:
        return httpx.Timeout(self.http_timeout_s, connect=self.connect_timeout_s)
