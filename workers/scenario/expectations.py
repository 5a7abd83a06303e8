"""The `expect` section of a scenario file: what the outside world must look like afterwards."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import Field, model_validator

from workers.scenario.model import Key, Money, PartnerStatusName, Strict


class ExpectedInvoice(Strict):
    division: Key
    invoice: Key
    year: int
    customer: Key | None = None
    reminder_stop: int | None = Field(default=None, ge=0, le=9)
    stopped_by: Key | None = None
    stop_date: date | None = None
    info: dict[Key, Key] | None = None
    open_amount: Money | None = None
    currency: str | None = None


class ExpectedJournal(Strict):
    account: Key
    debit: Money | None = None
    credit: Money | None = None

    @model_validator(mode="after")
    def _one_side(self) -> ExpectedJournal:
        if self.debit is None and self.credit is None:
            raise ValueError("give debit or credit")
        return self

    @property
    def net(self) -> Decimal:
        return (self.debit or Decimal(0)) - (self.credit or Decimal(0))


class ExpectedPartnerCase(Strict):
    partner: Key
    case_no: Key
    reference: str | None = None
    status: PartnerStatusName | None = None
    direct_payments: list[Money] | None = None
    credits: list[Money] | None = None
    close_requests: int | list[str] | None = None


class ExpectedRecord(Strict):
    """A skip or discrepancy named by some of its fields (case id, rule, settlement …)."""

    model_config = Strict.model_config | {"extra": "allow"}


Count = int | list[ExpectedRecord]


class Expectations(Strict):
    m3_invoices: list[ExpectedInvoice] | None = Field(default=None, alias="m3.invoices")
    m3_journal: list[ExpectedJournal] | None = Field(default=None, alias="m3.journal")
    partner_cases: list[ExpectedPartnerCase] | None = Field(default=None, alias="partner.cases")
    m3_statements: int | None = Field(default=None, alias="m3.statements", ge=0)
    dead_letters: int | None = Field(default=None, ge=0)
    rejected: int | None = Field(default=None, ge=0)
    skips: Count | None = None
    discrepancies: Count | None = None

    def given(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True)
