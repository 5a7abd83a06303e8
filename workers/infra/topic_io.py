"""Synchronous Kafka reads and writes for the CLI and tools (kafka-python).

Workers use faust's producer; command-line tools (config apply, clock, dlq, replay) use these:
write a batch of envelopes and wait until the broker acknowledged every one, or read a topic
from the beginning to its current end without joining a consumer group.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from contracts import ContractError, Envelope, decode, encode, message_key
from workers.infra.kafka_clients import kafka_python_options
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
