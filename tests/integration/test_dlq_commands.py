"""`dcs dlq list / show / replay` against the real broker."""

from __future__ import annotations

import pytest

from contracts import dead_letter_from, new_message
from workers.cli.main import main as dcs
from workers.infra.topic_io import publish, publish_raw, read_to_end

pytestmark = pytest.mark.integration


def test_list_show_and_replay_a_dead_letter(kafka_settings, monkeypatch, capsys):
    settings = kafka_settings
    monkeypatch.setenv("DCS_TOPIC_PREFIX", settings.topic_prefix)
    raw = b'{"type": "ledger.invoice_overdue", "payload": {"amount": 12.5}}'
    publish_raw(settings, "ledger.overdue", b"100/001/7/2025", raw)
    [source] = list(read_to_end(settings, "ledger.overdue"))
    letter = dead_letter_from(settings.topic("ledger.overdue"), source.partition, source.offset, source.key, raw,
                              "payload.amount: money must be a decimal string")
    envelope = new_message("dead_letter", letter, source="test", key=f"ledger.overdue:{source.partition}:{source.offset}")
    publish(settings, [("ledger.overdue.dlq", envelope), ("ledger.overdue.dlq", envelope)])
    ref = f"ledger.overdue:{source.partition}:{source.offset}"

    assert dcs(["dlq", "list"]) == 0
    listing = capsys.readouterr().out
    assert "1 dead letter(s)" in listing and "money must be a decimal" in listing

    assert dcs(["dlq", "show", ref]) == 0
    assert '"amount": 12.5' in capsys.readouterr().out

    assert dcs(["dlq", "replay", ref]) == 0
    assert f"re-driven {ref}" in capsys.readouterr().out
    records = list(read_to_end(settings, "ledger.overdue"))
    assert [r.value for r in records] == [raw, raw] and records[-1].key == b"100/001/7/2025"
    assert dcs(["dlq", "show", "ledger.overdue:9:9"]) == 1
