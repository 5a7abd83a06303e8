"""Cutting a settlement into per-case lines (pure).

The aggregator is told how many lines to wait for; every line goes to its case (keyed by case
id) for the case processor to validate. Lines without our reference cannot be routed; the
partner gateway fills the case id from its case-number index before publishing, so such a line
is a partner error and is reported, not guessed.
"""

from __future__ import annotations

from contracts import SettlementExpected, SettlementLineSubmitted, SettlementReceived
from contracts.base import Payload


def split(settlement: SettlementReceived) -> tuple[list[tuple[str, Payload]], list[str]]:
    """Outputs as (logical topic, payload), and the case numbers of lines that name no case."""
    routable = [line for line in settlement.lines if line.case_id is not None]
    unmatched = [line.case_no for line in settlement.lines if line.case_id is None]
    if not routable:
        return [], unmatched
    outputs: list[tuple[str, Payload]] = [("settlement.decisions", SettlementExpected(
        settlement_id=settlement.settlement_id, partner=settlement.partner,
        settlement_date=settlement.settlement_date, line_count=len(routable), currency=settlement.currency))]
    for number, line in enumerate(routable, start=1):
        outputs.append(("settlement.lines", SettlementLineSubmitted(
            settlement_id=settlement.settlement_id, partner=settlement.partner,
            settlement_date=settlement.settlement_date, line_no=number, line_count=len(routable),
            line=line, currency=line.currency or settlement.currency)))
    return outputs, unmatched
