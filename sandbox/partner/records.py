"""What the sandbox partner stores, and how it shows it on its API and to scenario checks.

A *claim* is created by every accepted registration and gets the partner's internal ``id`` at
once; its public case number (``case_no``) may come days later with the receipt, as with the
real partners (DOMAIN §6). Amounts are kept exactly as the partner holds them (credit notes
negative); the scenario view (``to_state``) shows magnitudes as RESULT.json expects.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sandbox.partner.money import ZERO, fmt
from sandbox.partner.vocabulary import CLOSED_RAW, RAW_BY_CANONICAL, canonical_of

REGISTERED = RAW_BY_CANONICAL["registered"]


def iso(moment: dt.datetime) -> str:
    return moment.isoformat()


@dataclass
class Posting:
    posting_id: str | None
    amount: Decimal
    date: dt.date | None
    received_at: dt.datetime

    def to_api(self) -> dict[str, Any]:
        return {
            "posting_id": self.posting_id,
            "amount": fmt(self.amount),
            "date": self.date.isoformat() if self.date else None,
            "received_at": iso(self.received_at),
        }


@dataclass
class CloseRequest:
    request_id: str | None
    reason: str
    received_at: dt.datetime

    def to_api(self) -> dict[str, Any]:
        return {"request_id": self.request_id, "reason": self.reason, "received_at": iso(self.received_at)}


@dataclass
class HistoryEntry:
    raw_status: str
    sub_status: str | None
    occurred_at: dt.datetime
    recorded_at: dt.datetime

    def to_api(self) -> dict[str, Any]:
        return {
            "status": self.raw_status,
            "sub_status": self.sub_status,
            "occurred_at": iso(self.occurred_at),
            "recorded_at": iso(self.recorded_at),
        }


def _masked(registration: dict[str, Any]) -> dict[str, Any]:
    """Registration in RESULT.json's flat shape, without national id or e-mail (GDPR).

    ``division`` and ``year`` come from our reference when it has the case-id form
    ``company/division/invoice/year``; the partner itself never needs them.
    """
    sent_debtor = registration["debtor"]
    debtor = {k: v for k, v in sent_debtor.items() if k not in ("national_id", "email")}
    debtor["national_id_given"] = bool(sent_debtor.get("national_id"))
    debtor["email_given"] = bool(sent_debtor.get("email"))
    invoice = registration["invoice"]
    parts = registration["reference"].split("/")
    return {
        "division": parts[1] if len(parts) == 4 else None,
        "invoice": invoice["number"],
        "year": parts[3] if len(parts) == 4 else None,
        "customer": sent_debtor["customer_no"],
        "amount": invoice["open_amount"],
        "original_amount": invoice["original_amount"],
        "currency": invoice["currency"],
        "invoice_date": invoice["date"],
        "due_date": invoice["due_date"],
        "kid": invoice.get("kid"),
        "reminders_sent": invoice.get("reminders_sent"),
        "last_reminder_date": invoice.get("last_reminder_date"),
        "disputed": invoice.get("disputed"),
        "creditor_customer_no": registration["creditor_customer_no"],
        "debtor": debtor,
    }


@dataclass
class Claim:
    id: str
    reference: str
    registration: dict[str, Any]
    registered_at: dt.datetime
    case_no: str | None = None
    rejection_reason: str | None = None
    payments: list[Posting] = field(default_factory=list)
    credit_notes: list[Posting] = field(default_factory=list)
    close_requests: list[CloseRequest] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)

    @property
    def current(self) -> HistoryEntry:
        """The status with the newest partner event time (ties: the later recorded).

        The registration entry only counts while nothing else happened: it is stamped with
        the wall clock, while scripted statuses carry business-clock times.
        """
        later = [h for h in self.history if h.raw_status != REGISTERED] or self.history
        return max(later, key=lambda h: (h.occurred_at, h.recorded_at))

    @property
    def rejected(self) -> bool:
        return self.rejection_reason is not None

    @property
    def closed(self) -> bool:
        return self.current.raw_status in CLOSED_RAW

    @property
    def open_amount(self) -> Decimal:
        return Decimal(self.registration["invoice"]["open_amount"])

    @property
    def balance(self) -> Decimal:
        paid = sum((p.amount for p in self.payments), ZERO)
        credited = sum((-c.amount for c in self.credit_notes), ZERO)
        return max(self.open_amount - paid - credited, ZERO)

    def to_api(self) -> dict[str, Any]:
        current = self.current
        invoice = self.registration["invoice"]
        return {
            "id": self.id,
            "case_no": self.case_no,
            "reference": self.reference,
            "status": current.raw_status,
            "sub_status": current.sub_status,
            "status_at": iso(current.occurred_at),
            "creditor_customer_no": self.registration["creditor_customer_no"],
            "debtor": {k: self.registration["debtor"][k] for k in ("customer_no", "name", "type")},
            "invoice": {k: invoice.get(k) for k in ("number", "date", "due_date", "currency", "kid")},
            "original_amount": invoice["original_amount"],
            "open_amount": invoice["open_amount"],
            "balance": fmt(self.balance),
            "payments": [p.to_api() for p in self.payments],
            "credit_notes": [c.to_api() for c in self.credit_notes],
            "close_requests": [c.to_api() for c in self.close_requests],
            "history": [h.to_api() for h in self.history],
            "rejection_reason": self.rejection_reason,
            "registered_at": iso(self.registered_at),
        }

    def to_state(self) -> dict[str, Any]:
        current = self.current
        return {
            "id": self.id,
            "case_no": self.case_no,
            "reference": self.reference,
            "status": canonical_of(current.raw_status) or current.raw_status,
            "raw_status": current.raw_status,
            "sub_status": current.sub_status,
            "registration": _masked(self.registration),
            "direct_payments": [fmt(p.amount) for p in self.payments],
            "credits": [fmt(-c.amount) for c in self.credit_notes],
            "posting_ids": [p.posting_id for p in (*self.payments, *self.credit_notes)],
            "close_requests": [c.reason for c in self.close_requests],
            "balance": fmt(self.balance),
            "history": [h.to_api() for h in self.history],
        }

    def to_rejection(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "reference": self.reference,
            "reason": self.rejection_reason,
            "at": iso(self.current.occurred_at),
            "registration": _masked(self.registration),
        }
