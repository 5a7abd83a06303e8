"""Settlement fan-out and fan-in (ARCHITECTURE §2).

The splitter cuts a settlement into ``settlement.line_submitted`` messages keyed by case id, so the
case processor can validate each line against its case, and tells the aggregator how many lines
to wait for (``settlement.expected``). The case processor answers each line with a
``settlement.line_decided`` keyed by settlement id: accepted with its statement line and journal,
or rejected as a discrepancy with the reason. The aggregator posts once every line is decided.
"""

from __future__ import annotations

from datetime import date

from pydantic import Field, model_validator

from contracts.base import Payload, Seq, Text
from contracts.identity import CaseId, Segment, SettlementId
from contracts.money import Currency, SignedAmount
from contracts.remittance import SettlementLine, require_partner_prefix
from contracts.statement import JournalLine, StatementDetail, check_balanced, check_details_sum


class SettlementLineSubmitted(Payload):
    """Line ``line_no`` of ``line_count`` of a settlement, sent to the case it belongs to."""

    message_type = "settlement.line_submitted"

    settlement_id: SettlementId
    partner: Segment
    settlement_date: date
    line_no: int = Field(ge=1)
    line_count: int = Field(ge=1)
    line: SettlementLine
    currency: Currency

    @model_validator(mode="after")
    def _consistent(self) -> SettlementLineSubmitted:
        require_partner_prefix(self.settlement_id, self.partner)
        if self.line_no > self.line_count:
            raise ValueError("line_no is greater than line_count")
        if self.line.case_id is None:
            raise ValueError("a submitted line must name its case (line.case_id)")
        return self

    def default_case_id(self) -> str | None:
        return self.line.case_id


class SettlementExpected(Payload):
    """Tells the aggregator how many decided lines complete the settlement."""

    message_type = "settlement.expected"

    settlement_id: SettlementId
    partner: Segment
    settlement_date: date
    line_count: int = Field(ge=1)
    currency: Currency

    @model_validator(mode="after")
    def _consistent(self) -> SettlementExpected:
        require_partner_prefix(self.settlement_id, self.partner)
        return self

    def default_key(self) -> str | None:
        return self.settlement_id


class SettlementLineDecided(Payload):
    """One line's verdict; accepted lines carry what the statement and journal need."""

    message_type = "settlement.line_decided"

    settlement_id: SettlementId
    line_no: int = Field(ge=1)
    case_id: CaseId
    division: Segment
    accepted: bool
    reason: Text | None = None
    payout: SignedAmount | None = None
    details: Seq[StatementDetail] = ()
    journal: Seq[JournalLine] = ()

    @model_validator(mode="after")
    def _verdict_complete(self) -> SettlementLineDecided:
        if self.accepted:
            if self.reason is not None or self.payout is None or not self.details:
                raise ValueError("an accepted line needs payout and details and no reason")
            check_details_sum(self.payout, self.details)
            check_balanced(self.journal)
        elif self.reason is None or self.payout is not None or self.details or self.journal:
            raise ValueError("a rejected line needs a reason and no payout, details or journal")
        return self

    def default_key(self) -> str | None:
        return self.settlement_id
