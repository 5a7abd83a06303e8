"""Our side of the reconciliation, folded from `case.events` by the existing projections.

The case summaries (`projections.case_summary`) and settlement parts
(`projections.settlements`) are what `dcs cases` and `dcs settlements` show, so reconciliation
cannot disagree with them; this module only joins the two per case: which accepted settlement
lines M3 has not confirmed yet, and which lines our validation refused (per settlement part). Pure.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from workers.projections.case_summary import summaries
from workers.projections.settlements import settlements
from workers.reconciliation.model import LogCase, SettlementPart

HANDED_OVER = ("active", "closed")


def from_events(events: list[dict[str, Any]]) -> tuple[dict[str, LogCase], tuple[SettlementPart, ...]]:
    """Handed-over cases by case id, and every settlement part, from the log's events."""
    unbooked: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
    parts = []
    for (settlement_id, division), view in sorted(settlements(events).items()):
        booked = {line["case_id"] for line in view.journal}
        for line in view.lines:
            if line["case_id"] not in booked:
                unbooked[line["case_id"]].append((settlement_id, Decimal(line["principal"])))
        refused = tuple((d["case_id"], d["reason"]) for d in view.discrepancies)
        parts.append(SettlementPart(settlement_id, division, view.partner, view.payout, view.posted,
                                    view.balanced, refused))
    cases = {}
    for case_id, s in summaries(events).items():
        if s.partner is None or s.state not in HANDED_OVER:
            continue
        cases[case_id] = LogCase(
            case_id=case_id, partner=s.partner, state=s.state, code=s.code, status=s.status,
            case_no=s.case_no, currency=s.currency, open_amount=s.open_amount or Decimal("0.00"),
            settled_principal=s.settled_principal, unbooked=tuple(unbooked.get(case_id, ())))
    return cases, tuple(parts)
