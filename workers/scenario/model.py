"""The scenario file, typed: unknown keys and bad values are refused naming the key.

Spellings follow SCENARIOS.md exactly. YAML 1.1 reads an unquoted `NO` as false; a country
field takes that back as "NO" so the documented example (`country: NO`) means Norway.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator


def _money(value: Any) -> Decimal:
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError('write amounts as quoted decimal strings like "4046.00", not YAML numbers with a fraction')
    if isinstance(value, (int, str, Decimal)):
        try:
            amount = Decimal(str(value))
        except ArithmeticError:
            raise ValueError(f"{value!r} is not a decimal amount") from None
        if not amount.is_finite() or amount.as_tuple().exponent < -2:  # type: ignore[operator]
            raise ValueError(f"{value!r} is not an amount with at most two decimals")
        return amount
    raise ValueError("an amount is a decimal string")


def _country(value: Any) -> Any:
    return "NO" if value is False else value


def _key(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError("expected a quoted identifier")
    return str(value)


Money = Annotated[Decimal, BeforeValidator(_money)]
Key = Annotated[str, BeforeValidator(_key)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Address(Strict):
    line1: str
    line2: str | None = None
    line3: str | None = None
    postcode: Key
    city: str
    country: Annotated[str, BeforeValidator(_country), Field(pattern=r"^[A-Z]{2}$")]


class Customer(Strict):
    customer: Key
    name: str
    org_no: Key | None = None
    national_id: Key | None = None
    private: bool = False
    address: Address
    email: str | None = None
    phone: Key | None = None
    reminder_rule: Key | None = None
    collection_blocked: bool = False


class Invoice(Strict):
    division: Key
    customer: Key
    invoice: Key
    year: int = Field(ge=1900, le=2999)
    invoice_date: dt.date
    due_date: dt.date
    amount: Money
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    kid: Key | None = None
    payer: Key | None = None
    reminder_rule: Key | None = None
    collection_code: int = Field(default=0, ge=0, le=9)


class M3Data(Strict):
    customers: list[Customer] = []
    invoices: list[Invoice] = []


class InvoiceStep(Strict):
    division: Key
    invoice: Key
    year: int
    date: dt.date | None = None


class Overdue(InvoiceStep):
    reminders: int = Field(ge=0)
    last_reminder: dt.date | None = None


class Posting(InvoiceStep):
    amount: Money = Field(gt=0)
    function: str = Field(pattern=r"^[A-Z0-9]{1,4}-[0-9A-Z]{1,3}$")


class PartnerInvoiceStep(Strict):
    partner: Key
    invoice: Key
    division: Key | None = None
    year: int | None = None
    date: dt.date | None = None


class Receipt(PartnerInvoiceStep):
    case_no: Key


class Rejection(PartnerInvoiceStep):
    reason: str


PartnerStatusName = Literal["acknowledged", "reminder", "collection", "dispute", "conciliation_board", "legal",
                            "closed_unsettled", "closed_settled"]


class Status(Strict):
    partner: Key
    case_no: Key
    status: PartnerStatusName
    sub_status: str | None = None
    at: dt.datetime | None = None
    date: dt.date | None = None


class SettlementLine(Strict):
    case_no: Key
    principal: Money = Decimal("0.00")
    interest: Money = Decimal("0.00")
    kickback: Money = Decimal("0.00")
    commission: Money = Decimal("0.00")
    fee_vat_base: Money = Decimal("0.00")
    fee_vat: Money = Decimal("0.00")
    rounding: Money = Decimal("0.00")
    other: Money = Decimal("0.00")
    payout: Money | None = None
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")


class Settlement(Strict):
    partner: Key
    settlement: Key
    date: dt.date | None = None
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    lines: list[SettlementLine] = Field(min_length=1)


class M3Raw(Strict):
    body: str | dict[str, Any] | list[Any]
    endpoint: Literal["events", "overdue", "payments"] = "events"
    token: bool = True


class PartnerRaw(Strict):
    partner: Key
    body: str | dict[str, Any] | list[Any]
    sign: bool = False


class TopicRaw(Strict):
    topic: str
    key: str | None = None
    value: str | dict[str, Any] | list[Any] | None

    @field_validator("topic")
    @classmethod
    def _known_topic(cls, value: str) -> str:
        from workers.infra.topic_map import load_topic_map

        if value not in load_topic_map().topics:
            raise ValueError(f"{value!r} is not a topic of topics.yaml")
        return value


STEP_MODELS: dict[str, type[BaseModel] | None] = {
    "m3.overdue": Overdue, "m3.payment": Posting, "m3.credit": Posting,
    "partner.receipt": Receipt, "partner.rejection": Rejection, "partner.status": Status,
    "partner.settlement": Settlement, "config.change": None, "advance": None,
    "m3.raw": M3Raw, "partner.raw": PartnerRaw, "topic.raw": TopicRaw,
}
