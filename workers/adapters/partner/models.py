"""What goes into and comes out of the partner adapter, in our own terms.

Amounts are ``Decimal`` magnitudes as in our contracts (DOMAIN §2.0): a credit note of 50 is
``Decimal("50.00")`` here even though the partner wants ``"-50.00"``; ``wire.py`` converts.
A float is refused outright, because it would already have lost the øre. National id and
e-mail are excluded from ``repr`` so a logged model never carries them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer


def _refuse_float(value: object) -> object:
    if isinstance(value, float):
        raise ValueError("money must be a decimal string or Decimal, never a float")
    return value


Money = Annotated[
    Decimal,
    BeforeValidator(_refuse_float),
    PlainSerializer(lambda amount: format(amount, "f"), return_type=str),
]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Address(_Model):
    line1: str
    line2: str | None = None
    postcode: str
    city: str
    country: str


class Debtor(_Model):
    customer_no: str
    name: str
    type: Literal["private", "business"]
    org_no: str | None = None
    national_id: str | None = Field(default=None, repr=False)
    address: Address
    email: str | None = Field(default=None, repr=False)


class InvoiceData(_Model):
    number: str
    date: dt.date
    due_date: dt.date
    original_amount: Money
    open_amount: Money
    currency: str
    kid: str | None = None
    reminders_sent: int = Field(default=0, ge=0)
    last_reminder_date: dt.date | None = None
    disputed: bool = False


class CaseRegistration(_Model):
    """One hand-over; ``reference`` is our case id and the partner's idempotency key."""

    reference: str
    creditor_customer_no: str
    debtor: Debtor
    invoice: InvoiceData


class RegistrationResult(_Model):
    """``accepted`` = the partner holds the registration (a receipt may still follow)."""

    accepted: bool
    case_no: str | None = None
    reason: str | None = None
    already_existed: bool = False


class ActionResult(_Model):
    """Outcome of a forwarded payment/credit or a close request."""

    accepted: bool
    already_existed: bool = False
    reason: str | None = None
    case_no: str | None = None


class PostingRecord(_Model):
    posting_id: str | None
    amount: Money
    date: dt.date | None = None


class CloseRequestRecord(_Model):
    request_id: str | None
    reason: str


class StatusHistoryEntry(_Model):
    raw_status: str
    sub_status: str | None = None
    status: str | None = None
    occurred_at: dt.datetime


class CaseDetails(_Model):
    """The partner's view of one case; ``status`` is canonical, None when unmapped."""

    partner_case_id: str
    case_no: str | None
    reference: str
    raw_status: str
    sub_status: str | None = None
    status: str | None = None
    balance: Money
    payments: tuple[PostingRecord, ...] = ()
    credits: tuple[PostingRecord, ...] = ()
    close_requests: tuple[CloseRequestRecord, ...] = ()
    history: tuple[StatusHistoryEntry, ...] = ()
    rejection_reason: str | None = None


class StatusChange(_Model):
    """One entry of the partner's delta status feed.

    ``status`` is None when the raw word is not in the mapping; ``unmapped`` then carries the
    error text for the dead-letter record instead of the whole poll failing.
    """

    event_id: str
    case_no: str | None
    reference: str | None
    raw_status: str
    sub_status: str | None = None
    status: str | None = None
    occurred_at: dt.datetime
    reason: str | None = None
    unmapped: str | None = None


class SettlementSummary(_Model):
    settlement_id: str
    date: dt.date
    currency: str
    payout_total: Money
    line_count: int


class SettlementLine(_Model):
    """Components are magnitudes except the signed ``rounding`` and ``other`` (DOMAIN §2.4)."""

    case_no: str
    reference: str | None = None
    principal: Money = Decimal("0.00")
    interest: Money = Decimal("0.00")
    kickback: Money = Decimal("0.00")
    commission: Money = Decimal("0.00")
    fee_vat_base: Money = Decimal("0.00")
    fee_vat: Money = Decimal("0.00")
    rounding: Money = Decimal("0.00")
    other: Money = Decimal("0.00")
    payout: Money | None = None
    currency: str | None = None


class Settlement(_Model):
    settlement_id: str
    date: dt.date
    currency: str
    payout_total: Money
    lines: tuple[SettlementLine, ...]
