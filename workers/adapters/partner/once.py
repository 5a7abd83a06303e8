"""Send a write so that the partner acts on it at most once, even when answers get lost.

After an uncertain failure (read timeout, connection dropped, 500) the partner may already
have acted. Re-sending blindly would create a second case against a partner that does not
honour idempotency keys, so the next attempt first runs ``probe`` (e.g. "find the case by our
reference") and re-sends only when the probe finds nothing. A failed probe leaves the state
uncertain and the loop tries again after a backoff.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import httpx

from workers.adapters.partner.errors import PartnerUnavailable
from workers.adapters.partner.http import PartnerHttp
from workers.adapters.partner.retry import Outcome, classify_exception, classify_status, retry_after_s

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class Found(Generic[T]):
    """The probe found the effect of an earlier attempt; nothing was re-sent."""

    value: T


async def post_at_most_once(
    http: PartnerHttp,
    path: str,
    body: dict[str, Any],
    probe: Callable[[], Awaitable[T | None]],
) -> httpx.Response | Found[T]:
    """The first definitive response (2xx/4xx), or Found; PartnerUnavailable when exhausted."""
    limit = http.retry.max_attempts
    uncertain, last, wait_hint = False, "no attempt", None
    for attempt in range(limit):
        if attempt:
            await http.backoff(attempt, wait_hint)
        if uncertain:
            try:
                found = await probe()
            except PartnerUnavailable as exc:
                last, wait_hint = f"lookup failed: {exc}", None
                continue
            if found is not None:
                log.info("POST %s had been applied before the failure; not re-sent", path)
                return Found(found)
            uncertain = False
        try:
            response = await http.send("POST", path, json_body=body)
        except httpx.TransportError as exc:
            uncertain = classify_exception(exc) is Outcome.UNCERTAIN
            last, wait_hint = type(exc).__name__, None
            continue
        except PartnerUnavailable as exc:
            last, wait_hint = str(exc), None
            continue
        outcome = classify_status(response.status_code)
        if outcome is Outcome.DONE:
            return response
        uncertain = outcome is Outcome.UNCERTAIN
        last, wait_hint = f"HTTP {response.status_code}", retry_after_s(response)
        log.warning("POST %s attempt %d: %s", path, attempt + 1, last)
    raise PartnerUnavailable(f"POST {path} failed after {limit} attempts ({last})")
