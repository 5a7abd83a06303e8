"""The partner API's request schemas and the 422 reasons a real partner would give.

Kravia requires invoice number and dates, the debtor's postal address, an organisation number
for business debtors and the amount incl. VAT; the sandbox checks those plus our own
conventions (decimal strings, credit notes negative), and reports every problem at once as
``"field.path: message"`` so the gateway can put the partner's words on the rejection.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from sandbox.partner.money import parse_amount

Amount = Annotated[Decimal, BeforeValidator(parse_amount)]
Text = Annotated[str, Field(min_length=1, max_length=200)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AddressIn(_In):
    line1: Text
    line2: str | None = None
    postcode: Text
    city: Text
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]


class DebtorIn(_In):
    customer_no: Text
    name: Text
    type: Literal["private", "business"]
    org_no: Annotated[str, Field(pattern=r"^(\d{6,12}|\d{7}-\d)$")] | None = None  # NO/SE digits, FI Y-tunnus
    national_id: Annotated[str, Field(pattern=r"^(\d{6,12}|\d{6}[-+A]\d{3}[0-9A-Y])$")] | None = None  # FI henkilötunnus too
    address: AddressIn
    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$")] | None = None

    @model_validator(mode="after")
    def _org_no_for_business(self) -> DebtorIn:
        if self.type == "business" and not self.org_no:
            raise ValueError("org_no is required for business debtors")
        return self


class InvoiceIn(_In):
    number: Text
    date: dt.date
    due_date: dt.date
    original_amount: Amount
    open_amount: Amount
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    kid: Annotated[str, Field(pattern=r"^\d{2,25}$")] | None = None
    reminders_sent: int = Field(default=0, ge=0)
    last_reminder_date: dt.date | None = None
    disputed: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> InvoiceIn:
        if self.due_date < self.date:
            raise ValueError("due_date is before the invoice date")
        if self.open_amount <= 0:
            raise ValueError("open_amount must be positive")
        if self.open_amount > self.original_amount:
            raise ValueError("open_amount exceeds original_amount")
        return self


class RegistrationIn(_In):
    reference: Annotated[str, Field(min_length=1, max_length=100)]
    creditor_customer_no: Text
    debtor: DebtorIn
    invoice: InvoiceIn


class PostingIn(_In):
    """A direct payment (positive) or credit note (negative, Kravia's convention)."""

    posting_id: str | None = None
    amount: Amount
    date: dt.date | None = None
    description: str | None = None
    reference: str | None = None
    case_no: str | None = None


class CloseRequestIn(_In):
    request_id: str | None = None
    reason: Text
    reference: str | None = None
    case_no: str | None = None


M = TypeVar("M", bound=BaseModel)


def reasons_of(error: ValidationError) -> list[str]:
    reasons = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "body"
        message = item["msg"].removeprefix("Value error, ")
        reasons.append(f"{where}: {message}")
    return reasons


def parse(model: type[M], body: object) -> tuple[M | None, list[str]]:
    try:
        return model.model_validate(body), []
    except ValidationError as exc:
        return None, reasons_of(exc)
