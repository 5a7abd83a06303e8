"""Replay's bulk reader against the real broker: the records `read_all_to_end` reads, in batches.

`read_batches_to_end` reads with aiokafka (its own event loop, driven between batches) and falls
back to kafka-python inside a running loop; `log_events` on top of it gives what decoding every
record of the same log with the contracts gives.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from workers.bench.kafka_io import preload
from workers.infra.topic_io import read_all_to_end, read_batches_to_end
from workers.projections.replay import log_events, replay

from tests.unit.test_replay_speed import _log, _reference_events, _reference_summaries

pytestmark = pytest.mark.integration


def _case_key(value: bytes | None) -> bytes:
    try:
        return json.loads(value)["case_id"].encode()
    except Exception:  # noqa: BLE001 — junk records go anywhere
        return b"junk"


def _placed(records) -> list[tuple[int, int, bytes | None]]:
    return sorted((r.partition, r.offset, r.value) for r in records)


def test_bulk_reads_match_the_plain_reader_and_the_contract_path(kafka_settings):
    settings = kafka_settings
    values, _ = _log()
    keys = [_case_key(value) for value in values]  # one partition per case, as the processor writes
    preload(settings, settings.topic("case.events"), zip(keys, values))

    plain = list(read_all_to_end(settings, ["case.events"]))
    batches = list(read_batches_to_end(settings, ["case.events"]))
    assert len(plain) == len(values) and _placed(plain) == _placed(r for b in batches for r in b)

    async def inside_a_loop():
        return list(read_batches_to_end(settings, ["case.events"]))
    assert _placed(r for b in asyncio.run(inside_a_loop()) for r in b) == _placed(plain)

    events = log_events(settings)
    expected = _reference_events([r.value for r in plain])
    assert sorted(events, key=lambda e: e["event_id"]) == sorted(expected, key=lambda e: e["event_id"])
    assert replay(events) == _reference_summaries(expected)


def test_empty_and_missing_topics_read_as_nothing(kafka_settings):
    settings = kafka_settings
    assert list(read_batches_to_end(settings, ["case.rechecks"])) == []
    assert log_events(settings) == []
    assert list(read_batches_to_end(settings, ["no-such-topic"])) == []
    from kafka import KafkaConsumer

    from workers.infra.kafka_clients import kafka_python_options

    consumer = KafkaConsumer(**kafka_python_options(settings))
    try:
        assert settings.topic("no-such-topic") not in consumer.topics()  # not auto-created by asking
    finally:
        consumer.close()
