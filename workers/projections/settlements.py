"""Settlements as a finance clerk asks about them, folded from `case.events` alone:
per settlement and division, the accepted lines, the journal M3 confirmed, the discrepancies."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


@dataclass
class SettlementView:
    settlement_id: str
    division: str
    lines: list[dict[str, Any]] = field(default_factory=list)
    discrepancies: list[dict[str, Any]] = field(default_factory=list)
    journal: list[dict[str, Any]] = field(default_factory=list)

    @property
    def partner(self) -> str:
        return self.settlement_id.split("/", 1)[0]

    @property
    def payout(self) -> Decimal:
        return sum((Decimal(line["payout"]) for line in self.lines), Decimal("0.00"))

    @property
    def posted(self) -> bool:
        return bool(self.journal)

    @property
    def balanced(self) -> bool:
        return sum(Decimal(j["debit"]) - Decimal(j["credit"]) for j in self.journal) == 0

    def as_dict(self) -> dict[str, Any]:
        return {"settlement": self.settlement_id, "partner": self.partner, "division": self.division,
                "payout": f"{self.payout:.2f}", "posted": self.posted, "balanced": self.balanced,
                "lines": self.lines, "journal": self.journal, "discrepancies": self.discrepancies}


def settlements(events: list[dict[str, Any]]) -> dict[tuple[str, str], SettlementView]:
    views: dict[tuple[str, str], SettlementView] = {}

    def view(settlement_id: str, case_id: str) -> SettlementView:
        division = case_id.split("/")[1]
        return views.setdefault((settlement_id, division), SettlementView(settlement_id, division))

    for event in events:
        p, case_id = event["payload"], event["case_id"]
        if event["type"] == "case.settlement_line_accepted":
            view(p["settlement_id"], case_id).lines.append({"case_id": case_id, "principal": p["principal"],
                                                            "payout": p["payout"]})
        elif event["type"] == "case.settlement_discrepancy":
            view(p["settlement_id"], case_id).discrepancies.append({"case_id": case_id, "reason": p["reason"]})
        elif event["type"] == "case.statement_posted":
            view(p["settlement_id"], case_id).journal.extend({**line, "case_id": case_id} for line in p["journal"])
    return views
