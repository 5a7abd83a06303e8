"""``POST /webhooks/partners/{partner}``: a partner says "something changed".

The endpoint is public, so nothing is done for a request that is not provably the partner's:
an unknown partner is 404; a missing or wrong signature, a tampered body or a timestamp outside
the replay window is 401 with the reason (HMAC compared in constant time by the adapter). A
valid notification is deduplicated on its message id and then triggers a read of the partner's
delta feed — the payload itself is never trusted. 2xx means the statuses read are durable on
the broker; only then is the message id remembered. Anything else is 503 and the partner
retries, which is safe because a re-read publishes the same message ids.

The body is bounded before it is read (`receive_request`): a declared Content-Length above the
limit is refused at once, and a chunked or lying sender is cut off as soon as more than the limit
has arrived, so every oversized body gets our JSON 413 and none is ever buffered whole (aiohttp's
own 1 MiB limit, with its plain-text answer, applies only to `request.read()`).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from workers.adapters.partner import (
    MessageDeduplicator,
    MissingSecret,
    SignatureError,
    parse_notification,
    verify_signature,
)
from workers.adapters.partner.webhooks import NotificationError
from workers.infra.health import WorkerHealth
from workers.infra.logs import get_logger
from workers.partner_gateway.clients import PartnerClients
from workers.partner_gateway.connection import PartnerSetupError
from workers.partner_gateway.feed import PullResult
from workers.partner_gateway.options import GatewayOptions

log = get_logger(__name__)
Pull = Callable[[str], Awaitable[PullResult]]


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any] = field(default_factory=dict)


class ByteStream(Protocol):
    async def readany(self) -> bytes: ...


async def read_at_most(stream: ByteStream, limit: int) -> bytes | None:
    """The whole body, or None as soon as more than ``limit`` bytes have arrived."""
    chunks, size = [], 0
    while chunk := await stream.readany():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


class WebhookReceiver:
    def __init__(self, clients: PartnerClients, pull: Pull, health: WorkerHealth, options: GatewayOptions,
                 clock: Callable[[], float] = time.time) -> None:
        self._clients = clients
        self._pull = pull
        self._health = health
        self._options = options
        self._clock = clock
        self._seen = MessageDeduplicator()

    def _refuse(self, partner: str, status: int, reason: str) -> Answer:
        self._health.count("webhooks_refused")
        log.warning("webhook_refused", partner=partner, status=status, reason=reason)
        return Answer(status, {"error": reason})

    async def receive_request(self, partner: str, headers: Mapping[str, str], declared_length: int | None,
                              body: ByteStream) -> Answer:
        """A request as it arrives: an unknown partner (404) or a body over the limit (413) is
        refused before more than the limit is read."""
        self._health.count("webhooks")
        if not self._clients.is_known(partner):
            return self._refuse(partner, 404, f"unknown partner {partner!r}")
        limit = self._options.max_webhook_bytes
        if declared_length is not None and declared_length > limit:
            return self._refuse(partner, 413, f"body of {declared_length} bytes exceeds the limit of {limit} bytes")
        whole = await read_at_most(body, limit)
        if whole is None:
            return self._refuse(partner, 413, f"body exceeds the limit of {limit} bytes")
        return await self._verified(partner, headers, whole)

    async def receive(self, partner: str, headers: Mapping[str, str], body: bytes) -> Answer:
        """A request whose body was read already."""
        self._health.count("webhooks")
        if not self._clients.is_known(partner):
            return self._refuse(partner, 404, f"unknown partner {partner!r}")
        limit = self._options.max_webhook_bytes
        if len(body) > limit:
            return self._refuse(partner, 413, f"body of {len(body)} bytes exceeds the limit of {limit} bytes")
        return await self._verified(partner, headers, body)

    async def _verified(self, partner: str, headers: Mapping[str, str], body: bytes) -> Answer:
        try:
            secret = self._clients.webhook_secret(partner).reveal()
        except (PartnerSetupError, MissingSecret) as error:
            log.error("webhook_secret_missing", partner=partner, error=str(error)[:300])
            return Answer(503, {"error": "webhook secret not configured"})
        now = self._clock()
        try:
            verify_signature(secret, headers, body, now, self._options.webhook_tolerance_s)
        except SignatureError as error:
            return self._refuse(partner, 401, error.reason)
        try:
            notification = parse_notification(body)
        except NotificationError as error:
            return self._refuse(partner, 400, str(error))
        if notification.partner != partner:
            return self._refuse(partner, 400, "notification is for another partner")
        seen_key = f"{partner}:{notification.message_id}"
        if self._seen.seen(seen_key, now):
            self._health.count("webhook_duplicates")
            return Answer(200, {"duplicate": True})
        result = await self._pull(partner)
        if not result.ok:
            return Answer(503, {"error": "could not read the partner's changes", "reason": result.reason})
        self._seen.remember(seen_key, self._clock())
        return Answer(200, {"published": result.published})
