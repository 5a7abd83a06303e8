"""Collecting a settlement's verdicts into statements (pure): one per division with accepted lines.

Nothing is posted until every line is decided, so a statement is never sent twice in parts;
a settlement (or division part of it) with no accepted line sends no statement at all.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from contracts import PostStatement, SettlementExpected, SettlementLineDecided, StatementLine, parse_case_id


class SettlementProgress(BaseModel):
    """The aggregator's memory of one settlement (one row of its table, stored as JSON)."""

    model_config = ConfigDict(frozen=True)

    expected: dict[str, Any] | None = None
    decided: dict[str, dict[str, Any]] = {}
    posted: bool = False

    def with_expected(self, expected: SettlementExpected) -> SettlementProgress:
        return self.model_copy(update={"expected": expected.model_dump(mode="json")})

    def with_decision(self, decision: SettlementLineDecided) -> SettlementProgress:
        return self.model_copy(update={"decided": {**self.decided, str(decision.line_no): decision.model_dump(mode="json")}})

    @property
    def complete(self) -> bool:
        return self.expected is not None and len(self.decided) >= self.expected["line_count"]


def statements(progress: SettlementProgress) -> list[PostStatement]:
    """The statement commands for a complete settlement, one per division, in division order."""
    assert progress.expected is not None
    expected = SettlementExpected.model_validate(progress.expected, strict=False)
    accepted = [SettlementLineDecided.model_validate(d, strict=False) for _, d in sorted(
        progress.decided.items(), key=lambda item: int(item[0]))]
    accepted = [d for d in accepted if d.accepted]
    commands = []
    for division in sorted({d.division for d in accepted}):
        lines = [d for d in accepted if d.division == division]
        commands.append(PostStatement(
            company=parse_case_id(lines[0].case_id).company, division=division, partner=expected.partner,
            settlement_id=expected.settlement_id, statement_date=expected.settlement_date,
            currency=expected.currency,
            lines=[StatementLine(case_id=d.case_id, amount=d.payout, details=d.details) for d in lines],
            journal=[j for d in lines for j in d.journal]))
    return commands
