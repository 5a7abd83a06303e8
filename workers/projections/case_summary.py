"""One line per invoice, folded from its events: the case as a person asks about it.

Pure: a `singledispatch`-free fold over event dicts (the JSON of envelopes), so the same code
serves the CLI (reading the topic), the demo summary and replay comparisons.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

STATUS_OF_CODE = {0: "none", 1: "sent_partner", 2: "acknowledged", 3: "collection", 4: "dispute",
                  5: "conciliation_board", 6: "legal", 8: "closed_unsettled", 9: "closed_settled"}


@dataclass(frozen=True)
class CaseSummary:
    case_id: str
    state: str = "new"
    partner: str | None = None
    case_no: str | None = None
    status: str | None = None
    code: int = 0
    customer: str | None = None
    currency: str | None = None
    amount: Decimal | None = None
    open_amount: Decimal | None = None
    skip_rule: str | None = None
    deferred_rule: str | None = None
    forwarded: Decimal = Decimal("0.00")
    settled_principal: Decimal = Decimal("0.00")
    events: int = 0
    problems: tuple[str, ...] = field(default=())

    @property
    def division(self) -> str:
        return self.case_id.split("/")[1]

    @property
    def awaiting_settlement(self) -> bool:
        """Closed settled by the partner while M3 still shows money open: the payout has not come."""
        return self.code == 9 and (self.open_amount or Decimal(0)) > 0


def fold(summary: CaseSummary, event: dict[str, Any]) -> CaseSummary:
    kind, p = event["type"], event["payload"]
    s = replace(summary, events=summary.events + 1)
    if kind == "case.invoice_skipped":
        return s if s.state in ("active", "closed", "rejected") else replace(s, state="skipped", skip_rule=p["rule"])
    if kind == "case.invoice_deferred":
        return replace(s, state="deferred", deferred_rule=p["rule"])
    if kind == "case.handed_over":
        return replace(s, state="active", partner=p["partner"], customer=p["customer"], currency=p["currency"],
                       amount=Decimal(p["open_amount"]), open_amount=Decimal(p["open_amount"]), code=1,
                       status="sent_partner", skip_rule=None)
    if kind == "case.registration_accepted":
        return replace(s, case_no=p["case_no"], code=max(s.code, 2) if s.code < 8 else s.code,
                       status=s.status if s.code >= 2 else "acknowledged")
    if kind == "case.registration_rejected":
        return replace(s, state="rejected", code=0, status="rejected", problems=(*s.problems, p["reason"]))
    if kind == "case.status_changed":
        closed = p["code"] in (8, 9)
        return replace(s, status=p["status"], code=p["code"], case_no=p["case_no"], state="closed" if closed else s.state)
    if kind == "case.posting_recorded":
        return replace(s, open_amount=Decimal(p["open_amount_after"]))
    if kind == "case.payment_forwarded":
        return replace(s, forwarded=s.forwarded + Decimal(p["amount"]))
    if kind == "case.settlement_line_accepted":
        return replace(s, settled_principal=s.settled_principal + Decimal(p["principal"]),
                       open_amount=Decimal(p["open_amount_after"]))
    if kind in ("case.settlement_discrepancy", "case.command_failed"):
        return replace(s, problems=(*s.problems, p["reason"]))
    return s


def summaries(events: list[dict[str, Any]]) -> dict[str, CaseSummary]:
    cases: dict[str, CaseSummary] = {}
    for event in events:
        case_id = event["case_id"]
        cases[case_id] = fold(cases.get(case_id) or CaseSummary(case_id), event)
    return cases
