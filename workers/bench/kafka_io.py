"""The bench's own Kafka plumbing: fast pre-loading, raw topics, and reading progress off the log.

Progress and rates are read from the broker, not from the workers: an output topic's end
offsets say how far a run got, and the CreateTime of its first and last record say how long
the work took, excluding process start-up and group joins. The same reading is applied to the
raw baseline's output, so both sides of every ratio are timed the same way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass

from workers.infra.kafka_clients import aiokafka_options, kafka_python_options
from workers.infra.settings import Settings

PARTITIONS = 6   # the case-keyed partition count of topics.yaml


async def produce(settings: Settings, topic: str, records: Iterable[tuple[bytes, bytes]]) -> int:
    """Send (key, value) pairs to a physical topic as fast as the client goes; wait for every ack."""
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(**aiokafka_options(settings), acks="all", linger_ms=5,
                                max_batch_size=256 * 1024)
    await producer.start()
    try:
        futures = [await producer.send(topic, value, key=key) for key, value in records]
        await asyncio.gather(*futures)
        return len(futures)
    finally:
        await producer.stop()


def preload(settings: Settings, topic: str, records: Iterable[tuple[bytes, bytes]]) -> int:
    return asyncio.run(produce(settings, topic, records))


def create_topics(settings: Settings, names: list[str], partitions: int = PARTITIONS) -> None:
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(**kafka_python_options(settings), client_id="dcs-bench")
    try:
        admin.create_topics({name: {"num_partitions": partitions, "replication_factor": 1} for name in names},
                            wait_for_metadata=True)
    finally:
        admin.close()


@dataclass(frozen=True)
class Span:
    """How many records a topic holds, and the CreateTime of its earliest and latest one (ms)."""

    count: int
    first_ms: int | None
    last_ms: int | None


class LogWatch:
    """One group-less kafka-python consumer for polling end offsets and reading spans."""

    def __init__(self, settings: Settings) -> None:
        from kafka import KafkaConsumer

        self._consumer = KafkaConsumer(**kafka_python_options(settings), group_id=None, enable_auto_commit=False)

    def _partitions(self, topic: str) -> list:
        from kafka import TopicPartition

        return [TopicPartition(topic, p) for p in sorted(self._consumer.partitions_for_topic(topic) or ())]

    def count(self, topic: str) -> int:
        partitions = self._partitions(topic)
        return sum(self._consumer.end_offsets(partitions).values()) if partitions else 0

    def span(self, topic: str) -> Span:
        partitions = self._partitions(topic)
        ends = self._consumer.end_offsets(partitions)
        firsts, lasts = [], []
        for tp in partitions:
            if ends[tp] == 0:
                continue
            firsts.append(self._timestamp_at(tp, 0))
            lasts.append(self._timestamp_at(tp, ends[tp] - 1))
        return Span(sum(ends.values()), min(firsts, default=None), max(lasts, default=None))

    def _timestamp_at(self, tp, offset: int) -> int:
        self._consumer.assign([tp])
        self._consumer.seek(tp, offset)
        for _ in range(50):
            for records in self._consumer.poll(timeout_ms=500, max_records=1).values():
                return records[0].timestamp
        raise TimeoutError(f"no record at {tp.topic}:{tp.partition}@{offset}")

    def close(self) -> None:
        self._consumer.close()
