"""Writes ingress messages and returns only once the broker has acknowledged every one.

The HTTP answer is M3's only receipt (ARCHITECTURE §3): a 2xx must mean the message is durable
(acks=all, set in the app factory). All sends are started first and then awaited, so a batch
costs one round trip, not one per message. When the broker does not acknowledge in time the
caller answers 503; some messages may have been written, which is harmless because a retry
carries the same deterministic event ids.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from contracts import Envelope, encode, message_key

ACK_TIMEOUT_S = 30.0


class NotAcknowledged(Exception):
    """The broker did not confirm the write; the sender should retry."""


class Publisher:
    def __init__(self, topics: Mapping[str, Any], *, timeout: float = ACK_TIMEOUT_S) -> None:
        self._topics = topics
        self._timeout = timeout

    async def publish(self, messages: Sequence[tuple[str, Envelope[Any]]]) -> None:
        try:
            await asyncio.wait_for(self._send_all(messages), self._timeout)
        except asyncio.TimeoutError:
            raise NotAcknowledged(f"Kafka did not acknowledge within {self._timeout:g} s") from None
        except (asyncio.CancelledError, NotAcknowledged):
            raise
        except Exception as error:  # aiokafka's errors are many; each means "not durable"
            raise NotAcknowledged(f"Kafka refused the write ({type(error).__name__})") from None

    async def _send_all(self, messages: Sequence[tuple[str, Envelope[Any]]]) -> None:
        pending = [await self._topics[topic].send(key=message_key(envelope), value=encode(topic, envelope))
                   for topic, envelope in messages]
        for acknowledgement in pending:
            await acknowledgement
