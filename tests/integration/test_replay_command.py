"""`dcs replay --as-of` against the real broker: cases from case.events (one of them written with
an older schema version) and the configuration in force then, from config.changes."""

from __future__ import annotations

import copy
import json
import time
from datetime import UTC, date, datetime

import pytest

from contracts import new_message
from contracts.case_events import CaseRegistrationAccepted, HandedOver
from workers.cli.main import main as dcs
from workers.config_events.store import apply_configuration
from workers.demo.sample_group import configuration
from workers.infra.topic_io import publish, publish_raw

pytestmark = pytest.mark.integration
CASE_OLD, CASE_NEW = "100/001/900001/2026", "100/004/900002/2026"


def _handed_over(case_id: str, partner: str, division: str, at: datetime):
    payload = HandedOver(partner=partner, division=division, customer="200001", amount="1200.00",
                         open_amount="1200.00", currency="NOK", business_date=date(2026, 3, 1),
                         due_date=date(2026, 1, 15))
    return new_message("case.handed_over", payload, source="test", case_id=case_id, occurred_at=at)


def test_replay_as_of_rebuilds_old_schema_events_and_the_configuration_of_then(kafka_settings, monkeypatch, capsys):
    settings = kafka_settings
    monkeypatch.setenv("DCS_TOPIC_PREFIX", settings.topic_prefix)
    monkeypatch.setenv("DCS_PROFILE", "test")
    config = configuration()
    apply_configuration(settings, config, actor="test")
    time.sleep(0.05)
    between = datetime.now(UTC)
    time.sleep(0.05)
    unpaused = copy.deepcopy(config)
    unpaused["divisions"]["011"]["paused"] = False
    apply_configuration(settings, unpaused, actor="test")

    t1, t2 = datetime(2026, 3, 1, 9, tzinfo=UTC), datetime(2026, 3, 2, 9, tzinfo=UTC)
    old = json.loads(_handed_over(CASE_OLD, "INTRUM", "001", t1).model_dump_json())
    del old["payload"]["due_date"]
    old["schema_version"] = 1
    publish_raw(settings, "case.events", CASE_OLD.encode(), json.dumps(old).encode())
    accepted = new_message("case.registration_accepted", CaseRegistrationAccepted(partner="INTRUM", case_no="IN-1"),
                           source="test", case_id=CASE_OLD, occurred_at=t2)
    publish(settings, [("case.events", accepted), ("case.events", _handed_over(CASE_NEW, "SVEA", "004", t2))])

    assert dcs(["replay", "--as-of", "2026-03-01T12:00:00"]) == 0
    early = capsys.readouterr().out
    assert CASE_OLD in early and CASE_NEW not in early and "IN-1" not in early
    assert "1 cases as of 2026-03-01T12:00:00+00:00" in early

    assert dcs(["replay", "--as-of", between.isoformat()]) == 0
    then = capsys.readouterr().out
    assert "2 cases" in then and "IN-1" in then
    assert "division 011 -> SVEA (paused)" in then and "division 001 -> INTRUM" in then

    assert dcs(["replay", "--as-of", datetime.now(UTC).isoformat()]) == 0
    now = capsys.readouterr().out
    assert "division 011 -> SVEA\n" in now or now.rstrip().endswith("division 011 -> SVEA")
