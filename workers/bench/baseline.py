"""The ceiling: raw aiokafka loops over the same broker, partitions and payload bytes.

aiokafka is the client faust drives, so these loops are what the service would reach if it did
nothing but move bytes: `consume_produce` reads the pre-loaded invoices in a consumer group and
writes each one to an output topic (acks=all, as the workers produce), awaiting the acks of
each fetched batch; `consume_only` reads them group-less from the beginning. Small runs last
well under a second, so those are repeated and the best kept: the ceiling, not an average.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import asdict, dataclass

from workers.bench import kafka_io
from workers.bench.invoices import encoded_invoices
from workers.bench.stats import span_rate
from workers.infra.kafka_clients import aiokafka_options
from workers.infra.settings import Settings


@dataclass(frozen=True)
class BaselineResult:
    n: int
    payload_bytes: int
    consume_produce_per_s: float | None
    consume_only_per_s: float | None
    repeats: int
    consume_produce_cpu_us: float | None = None
    """CPU time of this (bench) process per message moved; the broker's own CPU is not in it."""

    def as_dict(self) -> dict:
        return asdict(self)


def measure(settings: Settings, prefix: str, n: int, timeout_s: float = 600) -> BaselineResult:
    source = f"{prefix}base.in"
    repeats = 3 if n <= 20_000 else 1
    targets = [f"{prefix}base.out{i}" for i in range(repeats)]
    kafka_io.create_topics(settings, [source, *targets])
    records = list(encoded_invoices(n))
    kafka_io.preload(settings, source, records)
    payload = sum(len(value) for _, value in records) // n
    produce_rates, only_rates, cpu = [], [], []
    watch = kafka_io.LogWatch(settings)
    try:
        for target in targets:
            began = time.process_time()
            asyncio.run(asyncio.wait_for(_consume_produce(settings, source, target, n), timeout_s))
            cpu.append((time.process_time() - began) / n * 1e6)
            span = watch.span(target)
            produce_rates.append(span_rate(span.count, span.first_ms or 0, span.last_ms or 0))
            only_rates.append(asyncio.run(asyncio.wait_for(_consume_only(settings, source, n), timeout_s)))
    finally:
        watch.close()
    return BaselineResult(n, payload, max(filter(None, produce_rates), default=None),
                          max(filter(None, only_rates), default=None), repeats, round(min(cpu), 1))


async def _consume_produce(settings: Settings, source: str, target: str, n: int) -> None:
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

    consumer = AIOKafkaConsumer(source, **aiokafka_options(settings), group_id=f"dcs-bench-{uuid.uuid4().hex[:8]}",
                                auto_offset_reset="earliest", enable_auto_commit=True)
    producer = AIOKafkaProducer(**aiokafka_options(settings), acks="all")
    await consumer.start()
    await producer.start()
    try:
        moved = 0
        while moved < n:
            batches = await consumer.getmany(timeout_ms=1000)
            futures = [await producer.send(target, record.value, key=record.key)
                       for records in batches.values() for record in records]
            await asyncio.gather(*futures)
            moved += len(futures)
    finally:
        await consumer.stop()
        await producer.stop()


async def _consume_only(settings: Settings, source: str, n: int) -> float | None:
    """Read all n from the beginning without a group; messages per second from the seek on."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(**aiokafka_options(settings), group_id=None, enable_auto_commit=False,
                                auto_offset_reset="earliest")  # "latest" could land after the seek: nothing read
    await consumer.start()
    try:
        partitions = [TopicPartition(source, p) for p in range(kafka_io.PARTITIONS)]
        consumer.assign(partitions)
        started = time.perf_counter()
        await consumer.seek_to_beginning(*partitions)
        read = 0
        deadline = time.monotonic() + 600
        while read < n and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=1000)
            read += sum(len(records) for records in batches.values())
        wall = time.perf_counter() - started
        return n / wall if wall > 0 and read >= n else None
    finally:
        await consumer.stop()
