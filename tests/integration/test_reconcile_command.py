"""`dcs reconcile` against the real broker, both sandboxes and every worker as processes.

Two invoices go through the service (one settled and booked, one acknowledged) and the three
views must agree. Then what reconciliation exists for happens: an M3 payment whose event never
reaches us and a partner status whose webhook never comes. Both must show up, exactly, with
exit code 1, in every output format.
"""

from __future__ import annotations

import csv
import json

import httpx
import pytest
import yaml

from workers.cli.main import main as dcs
from workers.infra.topic_admin import delete_prefixed_topics
from workers.scenario.loading import parse_scenario
from workers.scenario.quiet import QuietWatch
from workers.scenario.runner import _end_offset, _load_world
from workers.scenario.stack import SCENARIO_WORKERS, start_stack, start_workers
from workers.scenario.steps import Player

pytestmark = pytest.mark.integration

SETTLED, OPEN = "100/001/252005046/2025", "100/001/252005047/2025"
WORLD = yaml.safe_load("""
scenario: reconcile
start: 2026-02-20
config:
  company: "100"
  reminder_rules: {CR1: {reminders_required: 2}}
  partners:
    INTRUM: {name: Intrum Norge, transport: rest, reminder_rules: [CR1], min_days_overdue: 14,
             min_amount: "30.00", settlement_functions: [AB10-900]}
  divisions:
    "001": {name: Test Firma 1 AS, partner: INTRUM, partner_customer_no: K84307, paused: false,
            country: "NO", currency: NOK, vat_rate: "25"}
  fam_functions:
    AB10-001: {name: Bank update ABS100, transfer: true}
    AB10-900: {name: Payments Intrum, transfer: false}
  accounts:
    "*": {clearing: "2902", receivable: "1500", interest: "8055", input_vat: "2710", vat_base: "9000",
          vat_base_offset: "9001", kickback: "3900", commission: "7790", rounding: "7795", other: "7799"}
m3:
  customers:
    - {customer: "100002", name: Kunde AS, org_no: "923609016", private: false, reminder_rule: CR1,
       address: {line1: Storgata 1, postcode: "0155", city: Oslo, country: "NO"}}
  invoices:
    - {division: "001", customer: "100002", invoice: "252005046", year: 2025, invoice_date: 2025-12-10,
       due_date: 2025-12-24, amount: "4046.00", currency: NOK}
    - {division: "001", customer: "100002", invoice: "252005047", year: 2025, invoice_date: 2025-12-10,
       due_date: 2025-12-24, amount: "2500.00", currency: NOK}
steps:
  - m3.overdue: {division: "001", invoice: "252005046", year: 2025, reminders: 2, last_reminder: 2026-01-21}
  - m3.overdue: {division: "001", invoice: "252005047", year: 2025, reminders: 2, last_reminder: 2026-01-21}
  - partner.receipt: {partner: INTRUM, invoice: "252005046", case_no: "13563917"}
  - partner.receipt: {partner: INTRUM, invoice: "252005047", case_no: "13563918"}
  - partner.settlement:
      partner: INTRUM
      settlement: S-2026-03-11
      date: 2026-03-11
      lines:
        - {case_no: "13563917", principal: "4046.00", interest: "147.16", fee_vat_base: "900.00",
           fee_vat: "225.00", payout: "3968.16"}
  - partner.status: {partner: INTRUM, case_no: "13563917", status: closed_settled}
""")


@pytest.fixture
def service(kafka_bootstrap, tmp_path):
    """The world above played through the running service, which stays up for the test."""
    scenario = parse_scenario(WORLD)
    stack = start_stack("reconcile", ("INTRUM",), tmp_path / "runs")
    watch = None
    try:
        _load_world(stack, scenario)
        start_workers(stack)
        player = Player(stack, scenario.start)
        watch = QuietWatch(stack, SCENARIO_WORKERS)
        for step in scenario.steps:
            player.play(step)
            watch.wait(player.clock.isoformat(), _end_offset(stack, "config"))
        yield stack
    finally:
        if watch is not None:
            watch.close()
        stack.stop()
        delete_prefixed_topics(stack.settings, stack.settings.topic_prefix)


def test_clean_then_every_tampering_is_found(service, tmp_path, monkeypatch, capsys):
    run = str(service.run_dir)
    assert dcs(["reconcile", "--run", run, "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "clean" in out and "agree on 2 case(s)" in out

    # M3: a direct payment whose CMS049 event is lost on the way (nobody listens any more).
    httpx.post(f"{service.m3_url}/_sandbox/ingress", json={"url": None}).raise_for_status()
    httpx.post(f"{service.m3_url}/_sandbox/postings", json={
        "division": "001", "invoice": "252005047", "year": 2025, "kind": "payment", "amount": "100.01",
        "function": "AB10-001", "date": "2026-03-12"}).raise_for_status()
    # The partner closes the open case settled, and its webhook never arrives.
    httpx.post(f"{service.partner_url}/_sandbox/webhook", json={"url": None}).raise_for_status()
    httpx.post(f"{service.partner_url}/_sandbox/INTRUM/status", json={
        "case_no": "13563918", "status": "closed_settled", "at": "2026-03-13T08:00:00+00:00"}).raise_for_status()

    report = tmp_path / "reconcile.json"
    assert dcs(["reconcile", "--run", run, "--format", "json", "--output", str(report)]) == 1
    data = json.loads(report.read_text())
    found = {(d["kind"], d["case_id"]) for d in data["discrepancies"]}
    assert found == {("amount_mismatch", OPEN), ("status_mismatch", OPEN), ("closed_settled_not_booked", OPEN)}
    amounts = next(d for d in data["discrepancies"] if d["kind"] == "amount_mismatch")
    assert (amounts["m3_amount"], amounts["log_amount"]) == ("2399.99", "2500.00")
    [row] = data["summary"]
    assert (row["division"], row["partner"], row["active"], row["closed"], row["discrepancies"]) == (
        "001", "INTRUM", 1, 1, 3)
    assert (row["m3_open"], row["log_open"], row["settled"]) == ("2399.99", "2500.00", "4046.00")

    monkeypatch.setenv("DCS_TOPIC_PREFIX", service.settings.topic_prefix)
    monkeypatch.setenv("DCS_M3_IONAPI_FILE", str(service.run_dir / "m3.ionapi"))
    monkeypatch.setenv("DCS_PARTNER_URLS", f"INTRUM={service.partner_url}/INTRUM/api/v1")
    monkeypatch.setenv("DCS_PARTNER_SECRETS_FILE", str(service.secrets_file))
    assert dcs(["reconcile", "--format", "csv", "--partner", "INTRUM", "--m3-url", service.m3_url]) == 1
    rows = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    assert sorted(r["kind"] for r in rows) == ["amount_mismatch", "closed_settled_not_booked", "status_mismatch"]
    assert dcs(["reconcile", "--division", "002"]) == 0  # nothing of ours there

    monkeypatch.setenv("DCS_PARTNER_URLS", "INTRUM=http://127.0.0.1:9/INTRUM/api/v1")
    assert dcs(["reconcile", "--no-progress"]) == 2  # an unreadable partner is never "clean"
    assert "partner INTRUM" in capsys.readouterr().err
