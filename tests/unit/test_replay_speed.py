"""Replay's fast read path gives what the contract-decoding path gives, record for record.

`case_events` takes a `case.events` record written by `contracts.encode` at the current version
as parsed JSON and sends everything else through `decode`; `summaries` folds on mutable dicts.
The reference here is the path replay had before: `decode` + `model_dump(mode="json")` for every
record, duplicates dropped by event id, and `fold` one immutable step per event.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from uuid import UUID

import pytest

from contracts import ContractError, decode, encode, new_message
from contracts import case_events as ce
from contracts.statement import JournalLine
from workers.projections import replay as replay_module
from workers.projections.case_summary import CaseSummary, fold, summaries
from workers.projections.replay import case_events, replay

T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)
STATUSES = [("acknowledged", 2), ("reminder", 2), ("collection", 3), ("dispute", 4), ("conciliation_board", 5),
            ("legal", 6), ("closed_unsettled", 8), ("closed_settled", 9)]


def _payloads(rng: random.Random, n: int) -> list[ce.Payload]:
    """One case's events: every case event type, in an order drawn at random."""
    partner = rng.choice(["INTRUM", "SVEA"])
    amount = Decimal(rng.randrange(100, 500_000)) / 100
    status, code = rng.choice(STATUSES)
    choices = [
        lambda: ce.InvoiceSkipped(rule=rng.choice(["credit_item", "handed_over_before"]), reason="no"),
        lambda: ce.InvoiceDeferred(rule="too_early", reason="x", until=date(2026, 3, 9), waits_for="date"),
        lambda: ce.InvoiceDeferred(rule="paused", reason="x", waits_for="unpause"),
        lambda: ce.HandedOver(partner=partner, division="001", customer=f"C{n}", amount=-amount if n % 7 == 0
                              else amount, open_amount=amount, currency="NOK", business_date=date(2026, 3, 1),
                              due_date=rng.choice([None, date(2026, 1, 15)])),
        lambda: ce.CaseRegistrationAccepted(partner=partner, case_no=f"K{n}"),
        lambda: ce.CaseRegistrationRejected(partner=partner, reason="debtor unknown"),
        lambda: ce.CaseStatusChanged(partner=partner, case_no=f"K{n}", status=status, code=code, raw_status="RAW",
                                     raw_sub_status=rng.choice([None, "SUB"]), partner_time=T0,
                                     business_date=date(2026, 3, 2)),
        lambda: ce.StatusIgnored(status=status, partner_time=T0, reason="older"),
        lambda: ce.PostingRecorded(kind="payment", amount="10.00", function="AB10-001",
                                   open_amount_after=rng.choice(["90.00", "-5.00", "0.00"]), posting_id=f"P{n}",
                                   booking_date=date(2026, 3, 3), forwarded="held", reason=rng.choice([None, "r"])),
        lambda: ce.PaymentForwarded(kind="credit", amount=f"{rng.randrange(1, 9999)}.{rng.randrange(100):02d}",
                                    posting_id=f"P{n}"),
        lambda: ce.CloseRequested(partner=partner, reason="paid"),
        lambda: ce.SettlementLineAccepted(settlement_id=f"{partner}/S{n}", principal="12.34", payout="-1.00",
                                          open_amount_after="0.00"),
        lambda: ce.SettlementDiscrepancy(settlement_id=f"{partner}/S{n}", reason="principal too high"),
        lambda: ce.StatementPosted(settlement_id=f"{partner}/S{n}", division="001", journal=[
            JournalLine(account="1920", debit="12.34"), JournalLine(account="1500", credit="12.34", text="x")]),
        lambda: ce.CommandFailed(command_type="m3.set_reminder_stop", command_id=UUID(int=n), reason="refused"),
    ]
    return [rng.choice(choices)() for _ in range(rng.randrange(1, 9))]


def _record(value: bytes | None, offset: int) -> SimpleNamespace:
    return SimpleNamespace(topic="case.events", partition=offset % 3, offset=offset, key=None, value=value)


def _v1_handed_over(case_id: str) -> bytes:
    payload = ce.HandedOver(partner="INTRUM", division="001", customer="C1", amount="1200.00", open_amount="1200.00",
                            currency="NOK", business_date=date(2026, 3, 1), due_date=date(2026, 1, 15))
    old = json.loads(new_message("case.handed_over", payload, source="test", case_id=case_id,
                                 occurred_at=T0).model_dump_json())
    del old["payload"]["due_date"]
    old["schema_version"] = 1
    return json.dumps(old).encode()


def _variant(value: bytes, change) -> bytes:
    data = json.loads(value)
    change(data)
    return json.dumps(data).encode()


def _log() -> tuple[list[bytes | None], int]:
    """A log of a few hundred events over 60 cases: every case event type, duplicates, a
    version-1 event, valid records not in `encode`'s exact shape, and junk. Also returns how
    many records are not in the current shape (those `decode` must see)."""
    rng = random.Random(20261205)
    values: list[bytes | None] = []
    for n in range(60):
        case_id = f"100/00{n % 3 + 1}/{9000 + n}/2026"
        for i, payload in enumerate(_payloads(rng, n)):
            envelope = new_message(payload.message_type, payload, source="case-processor", case_id=case_id,
                                   occurred_at=T0 + timedelta(hours=n + i))
            values.append(encode("case.events", envelope))
            if rng.random() < 0.1:  # at-least-once: the same event again, maybe much later
                values.insert(rng.randrange(len(values)), values[-1])

    def fresh_id(d: dict) -> None:
        d["event_id"] = str(UUID(int=rng.getrandbits(128), version=4))

    v1 = _v1_handed_over("100/001/8001/2026")
    other = [
        v1,
        v1,  # the same version-1 event twice: one
        # valid, but not as encode writes them: decode normalises them
        _variant(values[3], lambda d: (fresh_id(d), d.pop("key"))),
        _variant(values[4], lambda d: (fresh_id(d), d.update(event_id=d["event_id"].upper()))),
        _variant(values[4], lambda d: d.update(event_id=d["event_id"].upper())),  # a duplicate of [4]
        # junk: skipped by both paths
        b"{not json",
        b"[1, 2]",
        b'"a string"',
        b"null",
        json.dumps({"type": ["case.handed_over"]}).encode(),
        _variant(values[6], lambda d: d.update(type="case.no_such_event")),
        _variant(values[6], lambda d: d.update(type="ledger.invoice_overdue")),
        _variant(values[6], lambda d: d.update(schema_version=99)),
        _variant(values[6], lambda d: d.update(schema_version=True)),
        _variant(values[6], lambda d: d.update(schema_version="1")),
        _variant(values[6], lambda d: d.update(extra=1)),
        _variant(values[6], lambda d: d.update(payload=[])),
        _variant(values[6], lambda d: d["payload"].update(surprise=1)),
        _variant(values[6], lambda d: d["payload"].pop(next(iter(d["payload"])))),
        b"\xff\xfe not utf-8",
    ]
    for value in other:
        values.insert(rng.randrange(len(values) + 1), value)
    values.insert(17, None)  # a tombstone: not a message, passed over
    return values, len(other)


def _reference_events(values: list[bytes | None]) -> list[dict]:
    seen, events = set(), []
    for value in values:
        if value is None:
            continue
        try:
            envelope = decode("case.events", value)
        except ContractError:
            continue
        if envelope.event_id not in seen:
            seen.add(envelope.event_id)
            events.append(envelope.model_dump(mode="json"))
    return events


def _reference_summaries(events: list[dict]) -> dict[str, CaseSummary]:
    cases: dict[str, CaseSummary] = {}
    for event in events:
        cases[event["case_id"]] = fold(cases.get(event["case_id"]) or CaseSummary(event["case_id"]), event)
    return cases


def test_the_fast_path_reads_the_log_as_contract_decoding_does(monkeypatch):
    values, not_current = _log()
    assert len(values) > 300
    decoded = []
    monkeypatch.setattr(replay_module, "decode", lambda topic, raw: decoded.append(raw) or decode(topic, raw))

    fast = case_events([[_record(v, i) for i, v in enumerate(values[:100])],
                        [_record(v, i) for i, v in enumerate(values[100:], 100)]])
    expected = _reference_events(values)

    assert fast == expected
    assert len(decoded) == not_current  # encode's own records never went through decode
    assert len({e["event_id"] for e in fast}) == len(fast)
    assert {e["type"] for e in fast} == {m.message_type for m in ce.CASE_EVENT_PAYLOADS}
    v1 = [e for e in fast if e["case_id"] == "100/001/8001/2026"]
    assert len(v1) == 1 and v1[0]["schema_version"] == 2 and v1[0]["payload"]["due_date"] is None

    rebuilt, reference = replay(fast), _reference_summaries(expected)
    assert rebuilt == reference
    assert [vars(s) for s in rebuilt.values()] == [vars(s) for s in reference.values()]
    assert rebuilt["100/001/8001/2026"].state == "active"
    assert all(type(s) is CaseSummary and isinstance(s.forwarded, Decimal) for s in rebuilt.values())
    as_of = T0 + timedelta(hours=30)
    assert replay(fast, as_of) == _reference_summaries(
        [e for e in expected if datetime.fromisoformat(e["occurred_at"]) <= as_of])


def _random_event(rng: random.Random, case_id: str) -> dict:
    status, code = rng.choice(STATUSES)
    money = f"{rng.randrange(0, 100_000)}.{rng.randrange(100):02d}"
    kind, payload = rng.choice([
        ("invoice_skipped", {"rule": rng.choice(["a", "b"]), "reason": "r"}),
        ("invoice_deferred", {"rule": rng.choice(["c", "d"]), "reason": "r"}),
        ("handed_over", {"partner": rng.choice(["INTRUM", "SVEA"]), "customer": "C", "currency": "NOK",
                         "open_amount": money, "amount": "1.00"}),
        ("registration_accepted", {"partner": "INTRUM", "case_no": rng.choice(["K1", "K2"])}),
        ("registration_rejected", {"partner": "INTRUM", "reason": rng.choice(["x", "y"])}),
        ("status_changed", {"status": status, "code": code, "case_no": rng.choice(["K1", "K3"])}),
        ("status_ignored", {"status": status}),
        ("posting_recorded", {"open_amount_after": "-" + money}),
        ("payment_forwarded", {"amount": money}),
        ("close_requested", {"reason": "paid"}),
        ("settlement_line_accepted", {"principal": money, "open_amount_after": money}),
        ("settlement_discrepancy", {"reason": "too much"}),
        ("statement_posted", {}),
        ("command_failed", {"reason": "refused"}),
    ])
    return {"case_id": case_id, "type": f"case.{kind}", "payload": payload}


def test_the_mutable_fold_is_fold_step_by_step():
    rng = random.Random(7)
    events = [_random_event(rng, f"100/001/{rng.randrange(1000)}/2026") for _ in range(4000)]  # 1-10 each
    rebuilt, reference = summaries(events), _reference_summaries(events)
    assert list(rebuilt) == list(reference)
    for case_id, summary in reference.items():
        assert vars(rebuilt[case_id]) == vars(summary)
        assert rebuilt[case_id] == summary and hash(rebuilt[case_id]) == hash(summary)
    assert {s.state for s in rebuilt.values()} >= {"active", "closed", "rejected"}


def test_summaries_are_still_frozen_and_fail_like_fold():
    summary = summaries([_random_event(random.Random(1), "100/001/1/2026")])["100/001/1/2026"]
    with pytest.raises(AttributeError):
        summary.state = "x"  # type: ignore[misc]
    with pytest.raises(KeyError):
        summaries([{"case_id": "100/001/1/2026", "type": "case.handed_over", "payload": {}}])


def test_a_record_in_encodes_shape_is_trusted_as_written():
    """The price of the fast path, pinned: values are not validated again, so a record in the
    current shape keeps a spelling `encode` would not write (decode would normalise it) and a
    value `decode` would refuse. Only the case processor writes case.events, through encode."""
    envelope = new_message("case.registration_accepted", ce.CaseRegistrationAccepted(partner="INTRUM", case_no="K1"),
                           source="case-processor", case_id="100/001/1/2026", occurred_at=T0)
    respelled = _variant(encode("case.events", envelope), lambda d: d.update(occurred_at="2026-03-01T09:00:00+00:00"))
    invalid = _variant(encode("case.events", envelope), lambda d: (
        d.update(event_id="5a3e5651-9538-46fa-9755-e535366423ef"), d["payload"].update(partner="A B")))
    events = case_events([[_record(respelled, 0), _record(invalid, 1)]])
    assert [e["occurred_at"] for e in events] == ["2026-03-01T09:00:00+00:00", "2026-03-01T09:00:00Z"]
    assert events[1]["payload"]["partner"] == "A B"
    assert decode("case.events", respelled).model_dump(mode="json")["occurred_at"] == "2026-03-01T09:00:00Z"
    with pytest.raises(ContractError):
        decode("case.events", invalid)
