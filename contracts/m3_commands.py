"""``m3.commands``: what we ask M3 to do (DOMAIN §2.1, §2.2, §2.4, §5).

Reminder stop and case info go through one configurable custom transaction set (XtendM3) in the
M3 gateway; statements go through ABS100MI. Invariants M3 itself would not check are checked
here: reminder stop 0 clears stopped-by and stop date, category 999 "original case" is never
removed, and a statement's journal balances.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, model_validator

from contracts.base import Payload, Seq, Text
from contracts.identity import InvoiceRef, Segment, SettlementId
from contracts.money import Currency
from contracts.remittance import require_partner_prefix
from contracts.statement import JournalLine, StatementLine, check_balanced

InfoCategory = Literal["997", "998", "999"]
"""Additional-info categories: 997 closed case, 998 active case, 999 original case."""


class SetReminderStop(InvoiceRef, Payload):
    """Set the payment-reminder stop (RMBL/BLBY/BLDT) on the invoice."""

    message_type = "m3.set_reminder_stop"

    code: int = Field(ge=0, le=9)
    stopped_by: Segment | None = None
    stop_date: date | None = None

    @model_validator(mode="after")
    def _cleared_or_complete(self) -> SetReminderStop:
        complete = self.stopped_by is not None and self.stop_date is not None
        cleared = self.stopped_by is None and self.stop_date is None
        if self.code == 0 and not cleared:
            raise ValueError("code 0 lifts the stop: stopped_by and stop_date must be empty")
        if self.code != 0 and not complete:
            raise ValueError("a reminder stop needs stopped_by and stop_date")
        return self


class SetCaseInfo(InvoiceRef, Payload):
    """Add and remove additional-info categories (ARS216) on the invoice."""

    message_type = "m3.set_case_info"

    add: dict[InfoCategory, Text] = Field(default_factory=dict)
    remove: Seq[InfoCategory] = ()

    @model_validator(mode="after")
    def _sensible(self) -> SetCaseInfo:
        if not self.add and not self.remove:
            raise ValueError("nothing to add or remove")
        if "999" in self.remove:
            raise ValueError("category 999 (original case) is never removed")
        if set(self.add) & set(self.remove):
            raise ValueError("a category cannot be both added and removed")
        return self


class PostStatement(Payload):
    """One ABS100 bank statement per settlement and division, with the journal we expect."""

    message_type = "m3.post_statement"

    company: Segment
    division: Segment
    partner: Segment
    settlement_id: SettlementId
    statement_date: date
    currency: Currency
    lines: Seq[StatementLine] = Field(min_length=1)
    journal: Seq[JournalLine]

    @model_validator(mode="after")
    def _consistent(self) -> PostStatement:
        require_partner_prefix(self.settlement_id, self.partner)
        check_balanced(self.journal)
        return self

    def default_key(self) -> str | None:
        return self.settlement_id
