"""Splitting settlements into lines and collecting verdicts into per-division statements."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from contracts import SettlementLineDecided, SettlementReceived
from workers.settlement.split import split
from workers.settlement.statements import SettlementProgress, statements

SETTLEMENT = "INTRUM/S-2026-03-11"


def settlement(*lines):
    return SettlementReceived.model_validate({
        "partner": "INTRUM", "settlement_id": SETTLEMENT, "settlement_date": date(2026, 3, 11), "currency": "NOK",
        "lines": list(lines)}, strict=False)


def line(case_id, principal="100.00"):
    return {"case_no": "C-" + case_id.split("/")[2], "case_id": case_id, "principal": principal}


def decided(line_no, case_id, division, payout=None):
    if payout is None:
        return SettlementLineDecided(settlement_id=SETTLEMENT, line_no=line_no, case_id=case_id, division=division,
                                     accepted=False, reason="fee VAT is not 25 % of its base")
    return SettlementLineDecided.model_validate({
        "settlement_id": SETTLEMENT, "line_no": line_no, "case_id": case_id, "division": division, "accepted": True,
        "payout": payout, "details": [{"type": "INV", "amount": payout, "invoice": case_id.split("/")[2], "year": 2025}],
        "journal": [{"account": "2902", "debit": payout}, {"account": "1500", "credit": payout}]}, strict=False)


def test_split_announces_the_line_count_then_routes_each_line_to_its_case():
    outputs, unmatched = split(settlement(line("100/001/1/2025"), line("100/004/2/2025"),
                                          {"case_no": "X-9", "principal": "5.00"}))
    assert unmatched == ["X-9"]
    assert [topic for topic, _ in outputs] == ["settlement.decisions", "settlement.lines", "settlement.lines"]
    assert outputs[0][1].line_count == 2 and outputs[0][1].settlement_date == date(2026, 3, 11)
    assert [p.default_case_id() for _, p in outputs[1:]] == ["100/001/1/2025", "100/004/2/2025"]


def test_one_statement_per_division_with_accepted_lines_only_when_complete():
    outputs, _ = split(settlement(line("100/001/1/2025"), line("100/004/2/2025"), line("100/001/3/2025")))
    progress = SettlementProgress().with_expected(outputs[0][1])
    progress = progress.with_decision(decided(1, "100/001/1/2025", "001", "100.00"))
    progress = progress.with_decision(decided(2, "100/004/2/2025", "004"))
    assert not progress.complete
    progress = progress.with_decision(decided(3, "100/001/3/2025", "001", "50.00"))
    assert progress.complete
    [statement] = statements(progress)
    assert statement.division == "001" and statement.statement_date == date(2026, 3, 11)
    assert [(l.case_id, l.amount) for l in statement.lines] == [("100/001/1/2025", Decimal("100.00")),
                                                                ("100/001/3/2025", Decimal("50.00"))]
    assert sum(j.debit - j.credit for j in statement.journal) == 0


def test_no_statement_when_no_line_was_accepted():
    outputs, _ = split(settlement(line("100/001/1/2025")))
    progress = SettlementProgress().with_expected(outputs[0][1]).with_decision(decided(1, "100/001/1/2025", "001"))
    assert progress.complete and statements(progress) == []
