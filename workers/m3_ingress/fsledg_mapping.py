"""The one translation of an FSLEDG row into our contracts, for CMS049 events and the poller alike.

Pure: a `LedgerRecord` (from `parse_cms049_event` or `ARS200MI/LstInvByDivi`), the customer from
CRS610 and the reminder rules' thresholds in; an `InvoiceOverdue`, a `PostingBooked` or an
`Ignored` with its reason out. Because both paths call this module with equal inputs, they
produce equal messages, and `messages` gives them the same event id.

- An invoice row (TRCD 10) is overdue once its reminders (RMQT) reach `reminders_required` of
  its reminder rule: the invoice's own rule (FSLEDG RMCT) if it has one, else the customer's
  (CRS610 RMCT). The message names the rule that applied, so eligibility need not look it up.
  Amounts stay M3's signed values: a credit item (negative) is valid input, skipped downstream.
- A payment (TRCD 20) or credit (TRCD 30) row becomes a posting with M3's open amount after it
  (OCUA), the FAM function (FEID-FNCN) and M3's posting id (voucher key).
A row that cannot be expressed in the contracts raises `UnmappableRecord` naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from contracts import InvoiceOverdue, PostingBooked
from contracts.errors import describe
from workers.adapters.m3 import Customer, LedgerRecord, TransactionCodes
from workers.domain.configuration import Configuration

SANDBOX_CODES = TransactionCodes()


@dataclass(frozen=True)
class Ignored:
    """A row that is fine but not for us (yet); the reason goes back to the sender."""

    case_id: str
    reason: str


class UnmappableRecord(ValueError):
    """The row lacks what the contract needs; the message names fields, never values."""


def reminder_thresholds(configuration: Configuration) -> dict[str, int]:
    """Reminder rule id → reminders required, from the live configuration."""
    return {rule: r.reminders_required for rule, r in configuration.reminder_rules.items()}


def applicable_rule(record: LedgerRecord, customer: Customer | None) -> str:
    return record.reminder_rule or (customer.reminder_rule if customer else "")


def customer_needed(record: LedgerRecord, thresholds: Mapping[str, int],
                    codes: TransactionCodes = SANDBOX_CODES) -> bool:
    """Whether the row can become a message only with the customer: spares M3 a CRS610 call
    for an invoice whose own rule says it has not had enough reminders yet."""
    if codes.kind(record) != "invoice":
        return False
    if record.reminder_rule:
        return _not_yet(record, record.reminder_rule, thresholds) is None
    return _below_every_rule(record, thresholds) is None


def ledger_message(record: LedgerRecord, *, company: str, thresholds: Mapping[str, int],
                   customer: Customer | None = None,
                   codes: TransactionCodes = SANDBOX_CODES) -> InvoiceOverdue | PostingBooked | Ignored:
    """`company` is the configured one, used when the row carries none (CONO)."""
    company = record.company or company
    kind = codes.kind(record)
    if kind in ("payment", "credit"):
        return _posting(record, company, kind)
    case_id = record.case_id(company)
    if kind != "invoice":
        return Ignored(case_id, f"transaction code {record.trcd or '(none)'} is not an invoice, payment or credit")
    if customer is None and not record.reminder_rule and (below := _below_every_rule(record, thresholds)):
        return Ignored(case_id, below)
    rule = applicable_rule(record, customer)
    not_yet = _not_yet(record, rule, thresholds)
    if not_yet is not None:
        return Ignored(case_id, not_yet)
    if customer is None:
        raise UnmappableRecord(f"{case_id}: the customer (CRS610) is needed for an overdue invoice")
    return _overdue(record, company, rule, customer)


def _below_every_rule(record: LedgerRecord, thresholds: Mapping[str, int]) -> str | None:
    """Decided without the customer's rule: fewer reminders than any rule requires."""
    if not thresholds:
        return "no reminder rules are configured"
    fewest = min(thresholds.values())
    if record.reminders < fewest:
        return f"{record.reminders} reminders, fewer than any reminder rule requires ({fewest})"
    return None


def _not_yet(record: LedgerRecord, rule: str, thresholds: Mapping[str, int]) -> str | None:
    if not rule:
        return "no reminder rule on the invoice (RMCT) or its customer (CRS610 RMCT)"
    required = thresholds.get(rule)
    if required is None:
        return f"reminder rule {rule} is not in the configuration"
    if record.reminders < required:
        return f"{record.reminders} of the {required} reminders rule {rule} requires"
    return None


def _overdue(record: LedgerRecord, company: str, rule: str, customer: Customer) -> InvoiceOverdue:
    _require(record, company, invoice_date="IVDT", due_date="DUDT", currency="CUCD")
    return _build(InvoiceOverdue, {
        "company": company, "division": record.division, "invoice": record.invoice, "year": record.year,
        "customer": record.customer, "payer": record.payer or None,
        "invoice_date": record.invoice_date, "due_date": record.due_date,
        "amount": record.amount, "open_amount": record.open_amount, "currency": record.currency,
        "kid": record.kid or None, "reminder_rule": rule, "reminders_sent": record.reminders,
        "last_reminder_date": record.last_reminder_date, "collection_code": record.collection_code,
        "debtor": debtor_of(customer),
    })


def _posting(record: LedgerRecord, company: str, kind: str) -> PostingBooked:
    _require(record, company, accounting_date="ACDT", function="FEID", posting_id="YEA4/JRNO", currency="CUCD")
    return _build(PostingBooked, {
        "company": company, "division": record.division, "invoice": record.invoice, "year": record.year,
        "kind": kind, "amount": abs(record.amount), "function": record.function,
        "booking_date": record.accounting_date, "open_amount_after": record.open_amount,
        "currency": record.currency, "posting_id": record.posting_id, "payer": record.payer or None,
    })


def debtor_of(customer: Customer) -> dict[str, Any]:
    """CRS610 as the contract's Debtor. A national id is passed on for a private person only:
    a business is identified by its organisation number (GDPR minimisation)."""
    lines = customer.address.lines
    return {
        "name": customer.name, "org_no": customer.org_no or None,
        "national_id": (customer.national_id or None) if customer.private else None,
        "private": customer.private,
        "address": {"line1": lines[0] if lines else "", "line2": ", ".join(lines[1:]) or None,
                    "postcode": customer.address.postcode, "city": customer.address.city,
                    "country": customer.address.country},
        "email": customer.email or None, "phone": customer.phone or None,
        "collection_blocked": customer.collection_blocked,
    }


def _require(record: LedgerRecord, company: str, **columns: str) -> None:
    missing = [f"{column} ({name})" for name, column in columns.items() if not getattr(record, name)]
    if missing:
        raise UnmappableRecord(f"{record.case_id(company)}: FSLEDG row lacks " + ", ".join(missing))


def _build(model: type[InvoiceOverdue] | type[PostingBooked], data: dict[str, Any]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise UnmappableRecord(f"{model.message_type}: {describe(error)}") from None
