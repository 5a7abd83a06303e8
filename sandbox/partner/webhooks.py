"""Outgoing "something changed" webhooks: signed, retried until 2xx, sometimes doubled.

Each notification is delivered at least once: failed attempts back off exponentially (with
seeded jitter) and go on until the receiver answers 2xx or the sandbox stops. Every attempt is
signed afresh with the current time (``t=…,v1=…``, see workers.adapters.partner.webhooks).
``fault.duplicate_webhook_rate`` re-delivers a share of successful messages with the same
``message_id``, so receivers must deduplicate. ``pending`` tells a scenario runner whether any
delivery is still in flight.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from workers.adapters.partner.webhooks import SIGNATURE_HEADER, sign

log = logging.getLogger(__name__)


@dataclass
class Delivery:
    message_id: str
    partner: str
    type: str
    body: bytes = field(repr=False)
    status: str = "pending"  # pending, delivered, no_url, cancelled
    attempts: int = 0
    copies: int = 0
    last_result: str | None = None

    def to_state(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "partner": self.partner,
            "type": self.type,
            "status": self.status,
            "attempts": self.attempts,
            "copies": self.copies,
            "last_result": self.last_result,
            "payload": json.loads(self.body),
        }


class WebhookDispatcher:
    def __init__(
        self,
        secrets: dict[str, str],
        url: str | None,
        *,
        rng: random.Random,
        fast: bool = False,
        duplicate_rate: float = 0.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._secrets = secrets
        self.url = url
        self.rng = rng
        self.fast = fast
        self.duplicate_rate = duplicate_rate
        self._clock = clock
        self.deliveries: list[Delivery] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._session: aiohttp.ClientSession | None = None

    @property
    def pending(self) -> int:
        return sum(1 for d in self.deliveries if d.status == "pending")

    def publish(self, partner: str, notification: dict[str, Any]) -> Delivery:
        payload = {"message_id": str(uuid.uuid4()), "partner": partner, **notification}
        body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
        delivery = Delivery(payload["message_id"], partner, notification["type"], body)
        self.deliveries.append(delivery)
        if not self.url:
            delivery.status = "no_url"
            return delivery
        task = asyncio.get_running_loop().create_task(self._deliver(delivery))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return delivery

    def _backoff(self, attempt: int) -> float:
        base, cap = (0.05, 1.0) if self.fast else (0.5, 30.0)
        ceiling = min(cap, base * 2 ** (attempt - 1))
        return ceiling / 2 + self.rng.uniform(0, ceiling / 2)

    async def _post(self, delivery: Delivery) -> bool:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5))
        url = (self.url or "").replace("{partner}", delivery.partner)
        headers = {
            "Content-Type": "application/json",
            "X-Message-Id": delivery.message_id,
            "X-Partner-Id": delivery.partner,
            SIGNATURE_HEADER: sign(self._secrets[delivery.partner], delivery.body, int(self._clock())),
        }
        delivery.attempts += 1
        try:
            async with self._session.post(url, data=delivery.body, headers=headers) as response:
                delivery.last_result = f"HTTP {response.status}"
                return 200 <= response.status < 300
        except (TimeoutError, aiohttp.ClientError) as exc:
            delivery.last_result = type(exc).__name__
            return False

    async def _deliver(self, delivery: Delivery) -> None:
        try:
            while not await self._post(delivery):
                await asyncio.sleep(self._backoff(delivery.attempts))
            delivery.copies = 1
            if self.rng.random() < self.duplicate_rate:
                while not await self._post(delivery):
                    await asyncio.sleep(self._backoff(delivery.attempts))
                delivery.copies = 2
            delivery.status = "delivered"
        except asyncio.CancelledError:
            delivery.status = "cancelled"
            raise

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
        log.debug("webhook dispatcher closed")
