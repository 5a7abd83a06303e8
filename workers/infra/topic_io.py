"""Synchronous Kafka reads and writes for the CLI and tools (kafka-python).

Workers use faust's producer; command-line tools (config apply, clock, dlq, replay) use these:
write a batch of envelopes and wait until the broker acknowledged every one, or read a topic
from the beginning to its current end without joining a consumer group.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from contracts import ContractError, Envelope, decode, encode, message_key
from workers.infra.kafka_clients import aiokafka_options, kafka_python_options
from workers.infra.settings import Settings


@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp_ms: int

    def envelope(self, logical_topic: str) -> Envelope:
        if self.value is None:
            raise ContractError(f"tombstone at {self.topic}:{self.partition}:{self.offset}")
        return decode(logical_topic, self.value)


def publish(settings: Settings, messages: Iterable[tuple[str, Envelope]], timeout: float = 30.0) -> int:
    """Encode and send (logical topic, envelope) pairs; return once all are acknowledged."""
    from kafka import KafkaProducer

    producer = KafkaProducer(**kafka_python_options(settings), acks="all", linger_ms=5)
    try:
        futures = [
            producer.send(settings.topic(topic), key=message_key(envelope), value=encode(topic, envelope))
            for topic, envelope in messages
        ]
        producer.flush(timeout=timeout)
        for future in futures:
            future.get(timeout=timeout)
        return len(futures)
    finally:
        producer.close(timeout=timeout)


def publish_raw(settings: Settings, logical_topic: str, key: bytes | None, value: bytes | None) -> None:
    """Bytes straight onto a topic (scenario `topic.raw`, DLQ re-drive): no contract check."""
    from kafka import KafkaProducer

    producer = KafkaProducer(**kafka_python_options(settings), acks="all")
    try:
        producer.send(settings.topic(logical_topic), key=key, value=value).get(timeout=30)
    finally:
        producer.close()


def read_to_end(settings: Settings, logical_topic: str, timeout: float = 30.0) -> Iterator[Record]:
    """Every record of a topic from the beginning to the end offsets seen at the start."""
    return read_all_to_end(settings, [logical_topic], timeout)


def read_all_to_end(settings: Settings, logical_topics: list[str], timeout: float = 30.0) -> Iterator[Record]:
    """Several topics through one consumer (no group), each from its beginning to its end."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(**kafka_python_options(settings), enable_auto_commit=False, group_id=None)
    try:
        partitions = [TopicPartition(topic, p) for topic in map(settings.topic, logical_topics)
                      for p in sorted(consumer.partitions_for_topic(topic) or ())]
        if not partitions:
            return
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        end = consumer.end_offsets(partitions)
        remaining = {tp for tp in partitions if end[tp] > consumer.position(tp)}
        while remaining:
            batch = consumer.poll(timeout_ms=int(timeout * 1000))
            if not batch:
                raise TimeoutError(f"reading {', '.join(logical_topics)} stalled before the end offsets")
            for tp, records in batch.items():
                for r in records:
                    if r.offset < end[tp]:
                        yield Record(r.topic, r.partition, r.offset, r.key, r.value, r.timestamp)
                if consumer.position(tp) >= end[tp]:
                    remaining.discard(tp)
    finally:
        consumer.close()


def read_batches_to_end(settings: Settings, logical_topics: list[str], timeout: float = 30.0) -> Iterator[list[Any]]:
    """What `read_all_to_end` reads, for bulk readers (replay): lists of records, not one at a time.

    Read with aiokafka, whose C record parser is about ten times faster than kafka-python's pure
    Python one (fetches larger than its defaults gained nothing measurable). The records are
    aiokafka ``ConsumerRecord``s; what a caller may rely on is what `Record` has too: ``topic``,
    ``partition``, ``offset``, ``key``, ``value``. The event loop is driven here between batches,
    so the caller stays synchronous; called where an event loop already runs (aiokafka would
    need its own), this falls back to `read_all_to_end`.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        in_a_loop = False
    else:
        in_a_loop = True
    if not in_a_loop:
        yield from _aiokafka_batches(settings, logical_topics, timeout)
        return
    chunk: list[Any] = []
    for record in read_all_to_end(settings, logical_topics, timeout):
        chunk.append(record)
        if len(chunk) >= 10_000:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _BulkReader:
    """One group-less aiokafka consumer from the beginnings to the end offsets seen at the start."""

    def __init__(self, settings: Settings, logical_topics: list[str], timeout: float) -> None:
        self.settings, self.logical_topics, self.timeout_ms = settings, logical_topics, int(timeout * 1000)
        self.consumer: Any = None
        self.end: dict[Any, int] = {}
        self.remaining: set[Any] = set()

    async def open(self) -> None:
        from aiokafka import AIOKafkaConsumer, TopicPartition

        # "earliest": on assign, aiokafka's fetcher resets positions by this policy on its own,
        # and with the default "latest" that reset can land after seek_to_beginning's
        self.consumer = AIOKafkaConsumer(**aiokafka_options(self.settings), group_id=None,
                                         enable_auto_commit=False, auto_offset_reset="earliest")
        await self.consumer.start()
        # aiokafka's public partitions_for_topic answers only from metadata it already tracks; the
        # metadata of all topics, because asking for a missing one can create it (auto-create)
        cluster = await self.consumer._client.fetch_all_metadata()
        partitions = [TopicPartition(topic, p) for topic in map(self.settings.topic, self.logical_topics)
                      for p in sorted(cluster.partitions_for_topic(topic) or ())]
        if not partitions:
            return
        self.consumer.assign(partitions)
        self.end = await self.consumer.end_offsets(partitions)
        await self.consumer.seek_to_beginning(*partitions)
        self.remaining = {tp for tp in partitions if self.end[tp] > await self.consumer.position(tp)}

    async def next_batches(self) -> list[list[Any]]:
        batches = await self.consumer.getmany(*self.remaining, timeout_ms=self.timeout_ms)
        chosen = []
        for tp, records in batches.items():
            if records and records[-1].offset >= self.end[tp]:
                records = [r for r in records if r.offset < self.end[tp]]
            if records:
                chosen.append(records)
        for tp in list(self.remaining):  # all: a partition may end in records that are not returned
            if await self.consumer.position(tp) >= self.end[tp]:
                self.remaining.discard(tp)
        if not batches and self.remaining:
            raise TimeoutError(f"reading {', '.join(self.logical_topics)} stalled before the end offsets")
        return chosen

    async def close(self) -> None:
        if self.consumer is not None:
            await self.consumer.stop()


def _aiokafka_batches(settings: Settings, logical_topics: list[str], timeout: float) -> Iterator[list[Any]]:
    loop = asyncio.new_event_loop()
    reader = _BulkReader(settings, logical_topics, timeout)
    try:
        loop.run_until_complete(reader.open())
        while reader.remaining:
            yield from loop.run_until_complete(reader.next_batches())
    finally:
        try:
            loop.run_until_complete(reader.close())
        finally:
            loop.close()
