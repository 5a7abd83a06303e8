"""Webhooks and the poller ask for a feed read; one agent per partner key does the reading.

Faust tables can only be written while a stream event is being handled, and the cursor and
index must change in one place at a time per partner. So a webhook does not read the feed
itself: it writes a pull request, keyed by partner, to the gateway's own internal topic
(``partner.feed-reads`` in topics.yaml, provisioned with the others) and waits for
the agent that consumes it to report back through a local future. The agent handles a
partner's requests one at a time, in order, and writes the tables in that partner's
partition. A request redelivered after a crash is simply read again (reads are idempotent).

A burst of webhooks (a partner that changed a thousand cases) would otherwise mean a thousand
reads of a feed that the first read already emptied: a request made before a successful read
*started* is answered by that read (``ReadCoverage``), so the queue drains at once.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

from contracts import ContractError, FeedReadRequested, decode, encode, new_message
from workers.infra.health import WorkerHealth
from workers.partner_gateway.feed import PullResult


TOPIC = "partner.feed-reads"


@dataclass(frozen=True)
class PullRequest:
    partner: str
    request_id: str
    origin: str

    def to_bytes(self) -> bytes:
        payload = FeedReadRequested(partner=self.partner, request_id=self.request_id, origin=self.origin)
        return encode(TOPIC, new_message(payload.message_type, payload, source="partner-gateway"))

    @classmethod
    def from_bytes(cls, raw: bytes | None) -> PullRequest | None:
        try:
            payload = decode(TOPIC, raw).payload  # type: ignore[arg-type]
        except ContractError:
            return None
        return cls(payload.partner, payload.request_id, payload.origin)


class PullRequests:
    def __init__(self, topic: Any, health: WorkerHealth) -> None:
        self._topic = topic
        self._health = health
        self._waiters: dict[str, asyncio.Future[PullResult]] = {}

    async def pull(self, partner: str, *, origin: str, timeout_s: float) -> PullResult:
        """Request a read of ``partner``'s feed and wait until it was published (or failed)."""
        request = PullRequest(partner, uuid.uuid4().hex, origin)
        waiter: asyncio.Future[PullResult] = asyncio.get_running_loop().create_future()
        self._waiters[request.request_id] = waiter
        self._health.in_flight += 1
        try:
            await self._topic.send(key=partner.encode(), value=request.to_bytes())
            return await asyncio.wait_for(asyncio.shield(waiter), timeout_s)
        except TimeoutError:
            return PullResult(False, reason=f"feed read not finished within {timeout_s:g} s")
        finally:
            self._health.in_flight -= 1
            self._waiters.pop(request.request_id, None)

    def awaited(self, request: PullRequest) -> bool:
        """True when someone in this process waits for the request (and counts it in flight)."""
        return request.request_id in self._waiters

    def report(self, request: PullRequest, result: PullResult) -> None:
        waiter = self._waiters.get(request.request_id)
        if waiter is not None and not waiter.done():
            waiter.set_result(result)


class ReadCoverage:
    """When each partner's feed was last read to its end; requests older than that are answered."""

    def __init__(self) -> None:
        self._last: dict[str, tuple[float, PullResult]] = {}

    def read(self, partner: str, started: float, result: PullResult) -> None:
        if result.ok:
            self._last[partner] = (started, result)

    def covering(self, partner: str, requested_at: float | None) -> PullResult | None:
        last = self._last.get(partner)
        if last is None or requested_at is None or requested_at >= last[0]:
            return None
        return last[1]
