"""kafka-python produces, a faust agent built by our app factory consumes and validates; a
malformed message lands in the dead-letter topic with its reason and the partition goes on."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from kafka import KafkaConsumer, KafkaProducer

from contracts import decode, encode, new_message
from workers.infra.dead_letters import DeadLetterSink, valid_messages
from workers.infra.faust_app import create_app, raw_topic
from workers.infra.kafka_clients import kafka_python_options

pytestmark = pytest.mark.integration

CASE = "100/001/252005046/2025"


def overdue_invoice(invoice: str = "252005046") -> dict:
    return {
        "company": "100", "division": "001", "invoice": invoice, "year": 2025, "customer": "100002",
        "invoice_date": date(2025, 12, 10), "due_date": date(2025, 12, 24), "amount": "4046.00",
        "open_amount": "4046.00", "currency": "NOK", "kid": "2520050465", "reminders_sent": 2,
        "last_reminder_date": date(2026, 1, 21),
        "debtor": {"name": "Kunde AS", "org_no": "923609016", "private": False,
                   "address": {"line1": "Storgata 1", "postcode": "0155", "city": "Oslo", "country": "NO"},
                   "collection_blocked": False},
    }


async def _wait_for(predicate, timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out waiting for the agent")
        await asyncio.sleep(0.1)


async def test_faust_agent_validates_and_dead_letters(kafka_settings):
    settings = kafka_settings
    app = create_app("intake-probe", settings, in_memory_tables=True)
    source = raw_topic(app, settings, "ledger.overdue")
    sink = DeadLetterSink(settings.topic("ledger.overdue"), "ledger.overdue.dlq",
                          raw_topic(app, settings, "ledger.overdue.dlq"), "intake-probe")
    received = []

    @app.agent(source)
    async def intake(stream):
        async for envelope, _event in valid_messages(stream, "ledger.overdue", sink):
            received.append(envelope)

    first = new_message("ledger.invoice_overdue", overdue_invoice(), source="test")
    second = new_message("ledger.invoice_overdue", overdue_invoice(), source="test")
    producer = KafkaProducer(**kafka_python_options(settings))
    key = CASE.encode()
    topic = settings.topic("ledger.overdue")
    producer.send(topic, key=key, value=encode("ledger.overdue", first), partition=0)
    producer.send(topic, key=key, value=b'{"event_id": "not-a-uuid", "amount": NaN', partition=0)
    producer.send(topic, key=key, value=encode("ledger.overdue", second), partition=0)
    producer.flush()
    producer.close()

    app.finalize()
    await app.start()
    try:
        await _wait_for(lambda: len(received) == 2)
    finally:
        await app.stop()

    assert [e.event_id for e in received] == [first.event_id, second.event_id]
    assert received[0].payload.open_amount == first.payload.open_amount
    assert received[0].case_id == CASE

    consumer = KafkaConsumer(settings.topic("ledger.overdue.dlq"), auto_offset_reset="earliest",
                             consumer_timeout_ms=5000, **kafka_python_options(settings))
    letters = [decode("ledger.overdue.dlq", record.value) for record in consumer]
    consumer.close()
    assert len(letters) == 1
    letter = letters[0].payload
    assert letter.source_topic == topic and letter.partition == 0 and letter.offset == 1
    assert "invalid JSON" in letter.error
    assert letter.raw() == b'{"event_id": "not-a-uuid", "amount": NaN'
    assert letter.raw_length == len(letter.raw())
