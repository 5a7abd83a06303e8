"""Send messages and return only once the broker acknowledged every one (acks=all).

Both edges depend on it: a command's offset moves on only after its answers are durable, and
a webhook is answered 2xx (and the feed cursor advanced) only after the statuses it fetched
are. A feed entry no message can express becomes a dead letter on ``partner.case-status.dlq``
with the entry itself (statuses carry no personal data) so a person sees it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from contracts import Envelope, dead_letter_from, encode, message_key, new_message
from workers.partner_gateway.status_events import SOURCE, Problem, message_id

Outgoing = tuple[str, Envelope[Any]]
FEED_DLQ = "partner.case-status.dlq"


class NotAcknowledged(Exception):
    """The broker did not confirm every write; nothing may be marked done."""


class Publisher:
    def __init__(self, topics: Mapping[str, Any], timeout_s: float) -> None:
        self._topics = topics
        self._timeout_s = timeout_s

    async def publish(self, messages: Sequence[Outgoing]) -> None:
        if not messages:
            return
        try:
            await asyncio.wait_for(self._send_all(messages), self._timeout_s)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # aiokafka's errors are many; each means "not durable"
            raise NotAcknowledged(f"the broker did not acknowledge ({type(error).__name__})") from None

    async def _send_all(self, messages: Sequence[Outgoing]) -> None:
        pending = [await self._topics[topic].send(key=message_key(envelope), value=encode(topic, envelope))
                   for topic, envelope in messages]
        for acknowledgement in pending:
            await acknowledgement


def feed_dead_letter(partner: str, problem: Problem) -> Outgoing:
    """The dead letter of a feed entry; its id is derived from the entry, so re-reads repeat it."""
    change = problem.change
    source = f"partner/{partner}/status-changes"
    subject = change.reference or change.case_no or change.event_id
    letter = dead_letter_from(source, 0, 0, subject.encode(), change.model_dump_json().encode(), problem.reason)
    envelope = new_message("dead_letter", letter, source=SOURCE, key=f"{source}:{change.event_id}",
                           event_id=message_id(partner, change.event_id, "dead-letter"))
    return FEED_DLQ, envelope

