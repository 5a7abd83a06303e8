"""Latency at a fixed offered load: the service's, next to the broker's own at the same rate.

`offer` writes overdue invoices at a steady rate (paced against the clock, not against acks, so
a slow service builds a queue instead of slowing the load down). Per case: ingress (the
record's CreateTime on `ledger.overdue`) → registered at the partner sandbox, and → the M3
gateway's outcome on `m3.outcomes`. The broker's produce→consume latency is a raw aiokafka
producer and consumer at the same rate and payload size, with nothing else in between.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

from workers.bench import kafka_io
from workers.bench.end_to_end import Service
from workers.bench.invoices import case_id, encoded_invoices
from workers.bench.stats import latency_summary
from workers.infra.kafka_clients import aiokafka_options
from workers.infra.settings import Settings
from workers.infra.topic_io import read_to_end


async def offer(settings: Settings, topic: str, records: Iterator[tuple[bytes, bytes]], rate: float,
                count: int) -> None:
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(**aiokafka_options(settings), acks="all")
    await producer.start()
    try:
        pending, started = [], time.monotonic()
        for index, (key, value) in enumerate(records):
            if index >= count:
                break
            delay = started + index / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            pending.append(await producer.send(topic, value, key=key))
        await asyncio.gather(*pending)
    finally:
        await producer.stop()


async def _broker(settings: Settings, topic: str, rate: float, count: int) -> list[float]:
    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(**aiokafka_options(settings), group_id=None, enable_auto_commit=False)
    await consumer.start()
    latencies: list[float] = []
    try:
        partitions = [TopicPartition(topic, p) for p in range(kafka_io.PARTITIONS)]
        consumer.assign(partitions)
        await consumer.seek_to_end(*partitions)
        producing = asyncio.create_task(offer(settings, topic, encoded_invoices(count), rate, count))
        deadline = time.monotonic() + count / rate + 60
        while len(latencies) < count and time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                now_ms = time.time() * 1000
                latencies += [now_ms - record.timestamp for record in records]
        await producing
        return latencies
    finally:
        await consumer.stop()


def broker(settings: Settings, topic: str, rate: float, seconds: float) -> dict:
    """The broker's own produce→consume latency (ms) at `rate` messages/s for `seconds`."""
    kafka_io.create_topics(settings, [topic])
    count = int(rate * seconds)
    return {"rate": rate, "seconds": seconds, **latency_summary(asyncio.run(_broker(settings, topic, rate, count)))}


def service(svc: Service, rate: float, seconds: float, start: int, report=print) -> dict:
    """Offer `rate` invoices/s for `seconds` to the running service (numbered from `start`)."""
    settings, count = svc.stack.settings, int(rate * seconds)
    asyncio.run(offer(settings, svc.topic("ledger.overdue"), encoded_invoices(count, start), rate, count))
    svc.wait_done(start + count, timeout_s=max(300.0, count / 5), what=f"latency at {rate:g}/s", report=report)
    cases = {case_id(index) for index in range(start, start + count)}
    ingress = {key: r.timestamp_ms for r in read_to_end(settings, "ledger.overdue")
               if r.key and (key := r.key.decode()) in cases}
    outcomes: dict[str, int] = {}
    for record in read_to_end(settings, "m3.outcomes"):
        if record.key and (key := record.key.decode()) in ingress:
            outcomes.setdefault(key, record.timestamp_ms)
    registered = {case: at for case, at in svc.registrations().items() if case in ingress}
    stamps = sorted(ingress.values())
    achieved = (len(stamps) - 1) / ((stamps[-1] - stamps[0]) / 1000) if len(stamps) > 1 else None
    svc.sampler.sample()
    return {"rate": rate, "seconds": seconds, "count": count, "achieved_ingress_per_s": achieved,
            "to_partner_registration": latency_summary([at - ingress[c] for c, at in registered.items()]),
            "to_m3_update": latency_summary([at - ingress[c] for c, at in outcomes.items()])}
