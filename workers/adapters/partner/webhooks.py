"""Partner webhooks: signature scheme, verification and duplicate suppression.

A webhook only says "something changed" (Kravia's model): the receiver fetches the details
from the partner's API and never trusts the payload. The signature still matters, because the
endpoint is public and unauthenticated; it keeps strangers from making us poll on demand and
from injecting scenario noise.

Scheme (shared by the sandbox and the gateway)::

    X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + raw body)>

Several ``v1=`` entries may appear (secret rotation); one match is enough. The timestamp is
signed too, so a captured request cannot be replayed outside the tolerance window. Webhooks are
at-least-once, so receivers also drop message ids they have already handled.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import OrderedDict
from collections.abc import Mapping
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

SIGNATURE_HEADER = "X-Signature"
SCHEME = "v1"


class SignatureError(Exception):
    """The webhook is not provably from the partner; ``reason`` says why (safe to log)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def _key(secret: bytes | str) -> bytes:
    return secret.encode() if isinstance(secret, str) else secret


def _digest(secret: bytes | str, body: bytes, timestamp: int) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(_key(secret), message, hashlib.sha256).hexdigest()


def sign(secret: bytes | str, body: bytes, timestamp: int) -> str:
    """The ``X-Signature`` header value for ``body`` sent at ``timestamp`` (unix seconds)."""
    return f"t={int(timestamp)},{SCHEME}={_digest(secret, body, int(timestamp))}"


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is not None:
        return value
    wanted = name.lower()
    for key, candidate in headers.items():
        if key.lower() == wanted:
            return candidate
    return None


def _parse(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        name, sep, value = part.strip().partition("=")
        if not sep:
            raise SignatureError("malformed signature header")
        if name == "t":
            try:
                timestamp = int(value)
            except ValueError:
                raise SignatureError("malformed signature timestamp") from None
        elif name == SCHEME:
            signatures.append(value)
    if timestamp is None:
        raise SignatureError("signature header has no timestamp")
    if not signatures:
        raise SignatureError(f"signature header has no {SCHEME} signature")
    return timestamp, signatures


def verify_signature(
    secret: bytes | str,
    headers: Mapping[str, str],
    body: bytes,
    now: float,
    tolerance_s: float = 300,
) -> None:
    """Raise SignatureError unless ``body`` was signed with ``secret`` within the window."""
    header = _header(headers, SIGNATURE_HEADER)
    if not header:
        raise SignatureError(f"missing {SIGNATURE_HEADER} header")
    timestamp, signatures = _parse(header)
    if timestamp < now - tolerance_s:
        raise SignatureError("signature timestamp too old")
    if timestamp > now + tolerance_s:
        raise SignatureError("signature timestamp in the future")
    expected = _digest(secret, body, timestamp)
    if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
        raise SignatureError("signature mismatch")


class WebhookNotification(BaseModel):
    """What a webhook tells us: which case or settlement to go and fetch."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    message_id: str
    partner: str
    type: Literal["case.updated", "settlement.available"]
    case_no: str | None = None
    reference: str | None = None
    settlement_id: str | None = None
    occurred_at: datetime | None = None


class NotificationError(ValueError):
    """The (correctly signed) body is not a notification we understand."""


def parse_notification(body: bytes) -> WebhookNotification:
    try:
        return WebhookNotification.model_validate(json.loads(body))
    except (ValueError, ValidationError) as exc:
        raise NotificationError(f"not a partner notification: {type(exc).__name__}") from None


class MessageDeduplicator:
    """Bounded memory of handled message ids, expiring after ``ttl_s``.

    Check with ``seen`` before handling and call ``remember`` only after the effect is durable
    (e.g. the broker acknowledged the publish): remembering first would turn a crash between
    the two into a lost notification, because the partner's retry would then be dropped.
    """

    def __init__(self, max_size: int = 10_000, ttl_s: float = 24 * 3600) -> None:
        self._max_size = max_size
        self._ttl_s = ttl_s
        self._seen: OrderedDict[str, float] = OrderedDict()

    def _expire(self, now: float) -> None:
        while self._seen:
            oldest_id, at = next(iter(self._seen.items()))
            if at > now - self._ttl_s and len(self._seen) <= self._max_size:
                break
            del self._seen[oldest_id]

    def seen(self, message_id: str, now: float) -> bool:
        self._expire(now)
        return message_id in self._seen

    def remember(self, message_id: str, now: float) -> None:
        self._seen.pop(message_id, None)
        self._seen[message_id] = now
        self._expire(now)

    def __len__(self) -> int:
        return len(self._seen)
