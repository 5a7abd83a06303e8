"""`dcs dlq list / show / replay` against the real broker (junk on a dead-letter topic included)."""

from __future__ import annotations

import pytest

from contracts import dead_letter_from, new_message
from workers.cli.main import main as dcs
from workers.infra.topic_io import publish, publish_raw, read_to_end
from workers.projections.dead_letters import UNDECODABLE, dead_letters

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


def test_junk_on_a_dead_letter_topic_is_listed_as_undecodable_not_a_crash(kafka_settings, monkeypatch, capsys):
    settings = kafka_settings
    monkeypatch.setenv("DCS_TOPIC_PREFIX", settings.topic_prefix)
    raw = b'{"type": "ledger.invoice_overdue"}'
    letter = dead_letter_from(settings.topic("ledger.overdue"), 0, 0, b"100/001/7/2025", raw, "payload: Field required")
    publish(settings, [("ledger.overdue.dlq", new_message("dead_letter", letter, source="test",
                                                          key="ledger.overdue:0:0"))])
    publish_raw(settings, "ledger.overdue.dlq", b"junk", b"\x00 not a dead letter")
    publish_raw(settings, "m3.outcomes.dlq", None, b'{"type": "dead_letter", "payload": {}}')
    junk_ref, other_ref = "ledger.overdue.dlq:0:1", "m3.outcomes.dlq:0:0"

    listed = {s.ref: s for s in dead_letters(settings)}
    assert set(listed) == {"ledger.overdue:0:0", junk_ref, other_ref}
    junk = listed[junk_ref]
    assert junk.undecodable and not listed["ledger.overdue:0:0"].undecodable
    assert (junk.letter.source_topic, junk.letter.partition, junk.letter.offset, junk.letter.key) == (
        settings.topic("ledger.overdue.dlq"), 0, 1, "junk")
    assert junk.letter.error.startswith(f"{UNDECODABLE}: invalid JSON on ledger.overdue.dlq")
    assert junk.letter.raw_length == len(b"\x00 not a dead letter") and junk.letter.raw() == b""
    assert listed[other_ref].letter.error.startswith(f"{UNDECODABLE}: dead_letter: schema_version")
    assert [s.ref for s in dead_letters(settings, "ledger.overdue")] == ["ledger.overdue:0:0", junk_ref]

    assert dcs(["dlq", "list"]) == 0
    listing = capsys.readouterr().out
    assert "3 dead letter(s)" in listing and "undecodable" in listing and "Field required" in listing
    assert dcs(["dlq", "list", "--json"]) == 0
    assert junk_ref in capsys.readouterr().out
    assert dcs(["dlq", "show", junk_ref]) == 0
    assert UNDECODABLE in capsys.readouterr().out

    before = len(list(read_to_end(settings, "ledger.overdue.dlq")))
    assert dcs(["dlq", "replay", "--all", "--topic", "ledger.overdue"]) == 0
    out = capsys.readouterr().out
    assert f"skipped {junk_ref}" in out and "re-driven ledger.overdue:0:0" in out
    assert len(list(read_to_end(settings, "ledger.overdue.dlq"))) == before, "junk is never written back"
