"""Decode a stream against its contract; what does not validate goes to the topic's dead letters.

A bad message never stops a partition: it is written to ``<topic>.dlq`` with the raw bytes
(truncated above a stated size, with length and hash), the error, and where it came from, then
the stream goes on with the next message.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from contracts import ContractError, Envelope, decode, dead_letter_from, encode, new_message
from workers.infra.logs import get_logger

log = get_logger(__name__)


class DeadLetterSink:
    """Writes dead letters for one source topic through the worker's faust producer."""

    def __init__(self, source_topic: str, dlq_logical_name: str, dlq_topic: Any, worker: str) -> None:
        self.source_topic = source_topic
        self.dlq_logical_name = dlq_logical_name
        self.dlq_topic = dlq_topic
        self.worker = worker

    async def send(self, partition: int, offset: int, key: bytes | None, value: bytes | None, error: str) -> None:
        letter = dead_letter_from(self.source_topic, partition, offset, key, value, error)
        envelope = new_message("dead_letter", letter, source=self.worker, key=f"{self.source_topic}:{partition}:{offset}")
        await self.dlq_topic.send(key=envelope.key.encode(), value=encode(self.dlq_logical_name, envelope))
        log.warning("dead_letter", topic=self.source_topic, partition=partition, offset=offset, error=error[:500])


async def valid_messages(stream: Any, logical_topic: str, sink: DeadLetterSink) -> AsyncIterator[tuple[Envelope, Any]]:
    """Yield (envelope, faust event) for every message that validates; dead-letter the rest."""
    async for event in stream.events():
        message = event.message
        try:
            envelope = decode(logical_topic, message.value)
        except ContractError as error:
            await sink.send(message.partition, message.offset, message.key, message.value, str(error))
            continue
        yield envelope, event
