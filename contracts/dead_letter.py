"""``dead_letter``: what a consumer writes to ``<topic>.dlq`` instead of stopping its partition.

The raw bytes are kept so a person can inspect or re-drive the message, but truncated above
64 KiB so one giant message cannot clog the dead-letter topic; length and SHA-256 of the full
value stay, so a re-drive can prove it has the original. The source key is decoded lossily
because a bad message may have a bad key too.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from typing import Annotated

from pydantic import AwareDatetime, Field, StringConstraints

from contracts.base import Payload, Text

MAX_RAW_BYTES = 64 * 1024
MAX_ERROR_CHARS = 4000

Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class DeadLetter(Payload):
    """A record that could not be processed: where it was, why, and its bytes."""

    message_type = "dead_letter"

    source_topic: Text
    partition: int = Field(ge=0)
    offset: int = Field(ge=0)
    key: str | None = None
    error: Text
    raw_base64: str
    raw_length: int = Field(ge=0)
    raw_sha256: Sha256
    truncated: bool
    failed_at: AwareDatetime

    def default_key(self) -> str | None:
        return self.key or None

    def raw(self) -> bytes:
        """The kept bytes (only a prefix when ``truncated``)."""
        return base64.b64decode(self.raw_base64)


def dead_letter_from(
    topic: str,
    partition: int,
    offset: int,
    key_bytes: bytes | None,
    value_bytes: bytes | None,
    error: str | BaseException,
    *,
    failed_at: datetime | None = None,
) -> DeadLetter:
    """Build the dead letter for a record that could not be processed."""
    value = value_bytes or b""
    reason = str(error) or (type(error).__name__ if isinstance(error, BaseException) else "?")
    if len(reason) > MAX_ERROR_CHARS:
        reason = reason[: MAX_ERROR_CHARS - 1] + "…"
    return DeadLetter(
        source_topic=topic,
        partition=partition,
        offset=offset,
        key=None if key_bytes is None else key_bytes.decode("utf-8", errors="replace"),
        error=reason,
        raw_base64=base64.b64encode(value[:MAX_RAW_BYTES]).decode("ascii"),
        raw_length=len(value),
        raw_sha256=hashlib.sha256(value).hexdigest(),
        truncated=len(value) > MAX_RAW_BYTES,
        failed_at=failed_at or datetime.now(UTC),
    )
