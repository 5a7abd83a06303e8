"""The case processor with its RocksDB table on the real broker, with live configuration changes."""

from __future__ import annotations

import asyncio
import copy
from datetime import date

import pytest
import yaml

from contracts import new_message
from workers.case_processor.agent import build
from workers.config_events.clock import set_business_date
from workers.config_events.store import apply_configuration
from workers.infra.settings import REPO_ROOT
from workers.infra.topic_io import publish, publish_raw, read_to_end

pytestmark = pytest.mark.integration

CONFIG = yaml.safe_load((REPO_ROOT / "examples" / "config.yaml").read_text())


def overdue(invoice: str, division: str = "001"):
    return new_message("ledger.invoice_overdue", {
        "company": "100", "division": division, "invoice": invoice, "year": 2025, "customer": "100002",
        "invoice_date": date(2025, 12, 10), "due_date": date(2025, 12, 24), "amount": "4046.00",
        "open_amount": "4046.00", "currency": "NOK", "reminder_rule": "CR1", "reminders_sent": 2,
        "debtor": {"name": "Kunde AS", "org_no": "923609016", "private": False,
                   "address": {"line1": "Storgata 1", "postcode": "0155", "city": "Oslo", "country": "NO"},
                   "collection_blocked": False}}, source="test")


def types_by_case(settings, topic):
    found: dict[str, list[str]] = {}
    for record in read_to_end(settings, topic):
        envelope = record.envelope(topic)
        found.setdefault(envelope.case_id, []).append(envelope.type)
    return found


async def eventually(check, timeout=40.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await asyncio.to_thread(check)
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.3)


async def test_processor_hands_over_defers_and_follows_live_config(kafka_settings):
    settings = kafka_settings
    paused = copy.deepcopy(CONFIG)
    paused["divisions"]["004"] = {**paused["divisions"]["001"], "name": "Firma 4", "paused": True}
    apply_configuration(settings, paused, actor="test")
    set_business_date(settings, date(2026, 2, 20))

    app = build(settings, in_memory_tables=False)
    app.finalize()
    await app.start()
    try:
        first, held = overdue("1001"), overdue("4001", division="004")
        again = first
        publish(settings, [("ledger.overdue", first), ("ledger.overdue", again), ("ledger.overdue", held)])
        publish_raw(settings, "ledger.overdue", b"100/001/x/2025", b"\x00 not json")
        publish(settings, [("ledger.overdue", overdue("1002"))])

        events = await eventually(lambda: (e := types_by_case(settings, "case.events")).get("100/001/1002/2025") and e)
        assert events["100/001/1001/2025"] == ["case.handed_over"]
        assert events["100/004/4001/2025"] == ["case.invoice_deferred"]
        commands = types_by_case(settings, "partner.commands")
        assert commands["100/001/1001/2025"] == ["partner.register_case"]
        assert "100/004/4001/2025" not in commands
        letters = list(read_to_end(settings, "ledger.overdue.dlq"))
        assert len(letters) == 1

        unpaused = copy.deepcopy(paused)
        unpaused["divisions"]["004"]["paused"] = False
        await asyncio.to_thread(apply_configuration, settings, unpaused, "test")
        events = await eventually(
            lambda: (e := types_by_case(settings, "case.events"))["100/004/4001/2025"][-1] == "case.handed_over" and e)
        assert events["100/004/4001/2025"] == ["case.invoice_deferred", "case.handed_over"]
        m3 = types_by_case(settings, "m3.commands")
        assert m3["100/004/4001/2025"] == ["m3.set_reminder_stop"]
    finally:
        await app.stop()
