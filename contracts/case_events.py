"""``case.events``: every change of every case, the replayable source of truth.

The topic is kept forever (bookkeeping outlives erased personal data, DOMAIN §4), so these
payloads name the debtor by customer number only: no model here has a name, national id,
e-mail, phone or address field, and none may get one. All are keyed by the case id on the
envelope, so the payloads do not repeat it.
"""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, Field, model_validator

from contracts.base import Payload, Seq, Text
from contracts.identity import FamFunction, Segment, SettlementId
from contracts.money import Amount, Currency, SignedAmount
from contracts.partner_status import REMINDER_STOP_CODES, PartnerStatus
from contracts.postings import PostingKind
from contracts.statement import JournalLine, check_balanced


class InvoiceSkipped(Payload):
    """Eligibility said no for good (``rule`` names the failed check)."""

    message_type = "case.invoice_skipped"
    rule: Text
    reason: Text


class InvoiceDeferred(Payload):
    """Eligibility said "not yet": re-checked on ``until`` or when the division is unpaused."""

    message_type = "case.invoice_deferred"
    rule: Text
    reason: Text
    until: date | None = None
    waits_for: Literal["date", "unpause"]

    @model_validator(mode="after")
    def _until_matches(self) -> InvoiceDeferred:
        if (self.waits_for == "date") != (self.until is not None):
            raise ValueError("until is required when waiting for a date, and only then")
        return self


class HandedOver(Payload):
    """The case was opened and the registration sent to the partner.

    Version 2 adds the invoice's ``due_date`` (ageing and reconciliation read it from the log);
    version-1 events, written before, are upcast with ``due_date`` unknown (None).
    """

    message_type = "case.handed_over"
    partner: Segment
    division: Segment
    customer: Segment
    amount: SignedAmount
    open_amount: Amount
    currency: Currency
    business_date: date
    due_date: date | None


def upcast_handed_over_v1(payload: dict[str, object]) -> dict[str, object]:
    """Version 1 → 2: the due date was not recorded then."""
    return {**payload, "due_date": None}


class CaseRegistrationAccepted(Payload):
    """The partner's receipt arrived; ``case_no`` is its case number."""

    message_type = "case.registration_accepted"
    partner: Segment
    case_no: Text


class CaseRegistrationRejected(Payload):
    """The partner refused the case; it is not resent automatically."""

    message_type = "case.registration_rejected"
    partner: Segment
    reason: Text


class CaseStatusChanged(Payload):
    """The partner's newest status and the M3 reminder-stop code it maps to (DOMAIN §2.2)."""

    message_type = "case.status_changed"
    partner: Segment
    case_no: Text
    status: PartnerStatus
    code: int = Field(ge=0, le=9)
    raw_status: Text
    raw_sub_status: str | None = None
    partner_time: AwareDatetime
    business_date: date

    @model_validator(mode="after")
    def _code_matches(self) -> CaseStatusChanged:
        expected = REMINDER_STOP_CODES[self.status]
        if expected != self.code:
            raise ValueError(f"status {self.status} maps to code {expected}")
        return self


class StatusIgnored(Payload):
    """A status that changed nothing (older than the latest, duplicate, case closed)."""

    message_type = "case.status_ignored"
    status: PartnerStatus
    partner_time: AwareDatetime
    reason: Text


class PostingRecorded(Payload):
    """An M3 posting on the case and what was done with it.

    ``posting_id`` and ``booking_date`` are kept so a held payment can be forwarded later
    from this event alone.
    """

    message_type = "case.posting_recorded"
    kind: PostingKind
    amount: Amount
    function: FamFunction
    open_amount_after: SignedAmount
    posting_id: Text
    booking_date: date
    forwarded: Literal["forwarded", "held", "not_forwarded"]
    reason: str | None = None


class PaymentForwarded(Payload):
    """A direct payment or credit was passed on to the partner."""

    message_type = "case.payment_forwarded"
    kind: PostingKind
    amount: Amount
    posting_id: Text


class CloseRequested(Payload):
    """We asked the partner to close the case (e.g. paid in full directly)."""

    message_type = "case.close_requested"
    partner: Segment
    reason: Text


class SettlementLineAccepted(Payload):
    """A settlement line passed validation; principal is allocated to the invoice."""

    message_type = "case.settlement_line_accepted"
    settlement_id: SettlementId
    principal: Amount
    payout: SignedAmount
    open_amount_after: Amount


class SettlementDiscrepancy(Payload):
    """A settlement line failed validation and waits for a person."""

    message_type = "case.settlement_discrepancy"
    settlement_id: SettlementId
    reason: Text


class StatementPosted(Payload):
    """The journal our statement for this case's division posts (balanced)."""

    message_type = "case.statement_posted"
    settlement_id: SettlementId
    division: Segment
    journal: Seq[JournalLine]

    @model_validator(mode="after")
    def _balanced(self) -> StatementPosted:
        check_balanced(self.journal)
        return self


class CommandFailed(Payload):
    """A command the outside system refused for good; a person has to look at it."""

    message_type = "case.command_failed"
    command_type: Text
    command_id: UUID
    reason: Text


CASE_EVENT_PAYLOADS: tuple[type[Payload], ...] = (
    InvoiceSkipped,
    InvoiceDeferred,
    HandedOver,
    CaseRegistrationAccepted,
    CaseRegistrationRejected,
    CaseStatusChanged,
    StatusIgnored,
    PostingRecorded,
    PaymentForwarded,
    CloseRequested,
    SettlementLineAccepted,
    SettlementDiscrepancy,
    StatementPosted,
    CommandFailed,
)
