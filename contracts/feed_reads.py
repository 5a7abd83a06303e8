"""``partner.feed-reads``: the partner gateway's requests to itself to read a partner's feeds.

Webhooks and polls do not read a partner's status and settlement feeds themselves; they ask,
keyed by partner, so one agent per partner moves that partner's cursor, in order.
"""

from __future__ import annotations

from typing import Literal

from contracts.base import Payload, Text
from contracts.identity import Segment


class FeedReadRequested(Payload):
    """Read this partner's feeds now; ``request_id`` lets the asking webhook wait for the answer."""

    message_type = "partner.feed_read_requested"

    partner: Segment
    request_id: Text
    origin: Literal["webhook", "poll"]

    def default_key(self) -> str | None:
        return self.partner
