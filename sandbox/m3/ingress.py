"""Delivers CMS049-style events to the service's M3 ingress endpoint.

Real M3's Event Subscriber is fire-and-forget: one POST, no retry, a lost event is only found by
polling. The sandbox is kinder on purpose — it retries a few times with exponential backoff
(on connection errors, 429 and 5xx; a 4xx is the ingress rejecting the body and is final), so
a test or demo does not lose an event to a worker that is still starting. An event that still
fails is kept and shown as `undelivered` in `/_sandbox/state`, so a poller's catch-up can be
demonstrated. Every event is recorded, also when no ingress URL is configured (`no_ingress`).

For fault tests the mode can make it more stubborn (`ingress_attempts`, waits capped at
`ingress_max_backoff`) and at-least-once like an event hub: with `ingress_duplicate_rate` a
delivered event is delivered once more, so the service has to recognise the second copy.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from typing import Any

import aiohttp


@dataclass
class Delivery:
    event: dict[str, Any]
    status: str = "pending"
    attempts: int = 0
    last_error: str = ""


@dataclass
class IngressEmitter:
    url: str | None = None
    token: str | None = field(default=None, repr=False)
    attempts: int = 4
    backoff: float = 0.25
    max_backoff: float = 30.0
    duplicate_rate: float = 0.0
    duplicated: int = 0
    timeout: float = 5.0
    rng: random.Random = field(default_factory=lambda: random.Random(0), repr=False)
    deliveries: list[Delivery] = field(default_factory=list)
    _tasks: set[asyncio.Task[Delivery]] = field(default_factory=set, repr=False)
    _session: aiohttp.ClientSession | None = field(default=None, repr=False)

    def configure(self, url: str | None, token: str | None) -> None:
        self.url, self.token = url, token

    def emit(self, event: dict[str, Any]) -> None:
        """Deliver in the background, as M3's event autojob does after the transaction committed."""
        task = asyncio.get_running_loop().create_task(self.send(event))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def send(self, event: dict[str, Any]) -> Delivery:
        delivery = Delivery(event)
        self.deliveries.append(delivery)
        if not self.url:
            delivery.status = "no_ingress"
            return delivery
        for attempt in range(1, self.attempts + 1):
            delivery.attempts = attempt
            retry = await self._post_once(delivery)
            if delivery.status == "delivered" or not retry:
                break
            if attempt < self.attempts:
                await asyncio.sleep(min(self.max_backoff, self.backoff * 2 ** (attempt - 1)))
        if delivery.status != "delivered":
            delivery.status = "undelivered"
        elif self.duplicate_rate and self.rng.random() < self.duplicate_rate:
            self.duplicated += 1
            await self._post_once(Delivery(delivery.event))
        return delivery

    async def _post_once(self, delivery: Delivery) -> bool:
        """POST once; True when a retry could help."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            async with self._client().post(self.url or "", json=delivery.event, headers=headers) as resp:
                if 200 <= resp.status < 300:
                    delivery.status = "delivered"
                    return False
                delivery.last_error = f"HTTP {resp.status}"
                return resp.status == 429 or resp.status >= 500
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            delivery.last_error = type(exc).__name__
            return True

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        return self._session

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        await self.drain()
        if self._session is not None:
            await self._session.close()

    def clear(self) -> None:
        self.deliveries.clear()

    def summary(self) -> dict[str, Any]:
        by_status: dict[str, int] = {}
        for d in self.deliveries:
            by_status[d.status] = by_status.get(d.status, 0) + 1
        return {
            "url": self.url,
            "counts": by_status,
            "pending": len(self._tasks),
            "duplicated": self.duplicated,
            "delivered": [d.event for d in self.deliveries if d.status == "delivered"],
            "undelivered": [{"event": d.event, "attempts": d.attempts, "error": d.last_error}
                            for d in self.deliveries if d.status in ("undelivered", "no_ingress")],
        }
