"""Totals per division and partner: the first thing a finance person reads.

Counts of cases and the sums each system shows for them (M3's open amounts, the partners' open
balances, our expected open amounts, principal settled and principal settled but not booked),
next to the number of discrepancies. Sums are exact `Decimal`s; a division keeps one currency,
so the amounts of one row are in one currency (several are listed if a division ever mixes).
Pure.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from workers.reconciliation.compare import CLOSED, held_case
from workers.reconciliation.model import Discrepancy, Views

ZERO = Decimal("0.00")


@dataclass
class SummaryRow:
    division: str
    partner: str
    currencies: set[str] = field(default_factory=set)
    active: int = 0
    closed: int = 0
    m3_open: Decimal = ZERO
    partner_balance: Decimal = ZERO
    log_open: Decimal = ZERO
    settled: Decimal = ZERO
    not_booked: Decimal = ZERO
    kinds: Counter[str] = field(default_factory=Counter)

    @property
    def currency(self) -> str:
        return ",".join(sorted(self.currencies))

    @property
    def discrepancies(self) -> int:
        return sum(self.kinds.values())


def summarise(views: Views, discrepancies: list[Discrepancy]) -> list[SummaryRow]:
    rows: dict[tuple[str, str], SummaryRow] = {}

    def row(division: str, partner: str) -> SummaryRow:
        return rows.setdefault((division, partner), SummaryRow(division, partner))

    for case in views.log.values():
        if not views.covers(case.division, case.partner):
            continue
        r = row(case.division, case.partner)
        r.currencies.update([case.currency] if case.currency else [])
        r.active += case.state == "active"
        r.closed += case.state == "closed"
        r.log_open += case.open_amount
        r.settled += case.settled_principal
        r.not_booked += case.unbooked_principal
        m3 = views.m3.get(case.case_id)
        r.m3_open += m3.open_amount if m3 is not None else ZERO
        held = held_case(case, views.partner.get(case.case_id, ()))
        r.partner_balance += held.balance if held is not None and held.status not in CLOSED else ZERO
    for discrepancy in discrepancies:
        r = row(discrepancy.division, discrepancy.partner)
        r.kinds[discrepancy.kind] += 1
        r.currencies.update([discrepancy.currency] if discrepancy.currency else [])
    return [rows[key] for key in sorted(rows)]
