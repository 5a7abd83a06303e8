"""``partner.commands``: what we ask a partner to do, keyed by case id.

Registration carries the debtor (personal data), so the topic has a 3-day retention and only
what the partner needs travels (DOMAIN §2.1 step 3). Gateways use the envelope's event id and
``our_reference`` as idempotency keys, so a retried command never opens a second case.
``case_no`` is optional on later commands because a payment may be forwarded before the
partner's receipt has arrived at the gateway; the gateway then resolves it by our reference.
"""

from __future__ import annotations

from datetime import date

from pydantic import Field

from contracts.base import Payload, Text
from contracts.debtor import Debtor
from contracts.identity import CaseId, Segment
from contracts.money import Amount, Currency
from contracts.postings import PostingKind


class PartnerCommand(Payload):
    partner: Segment
    our_reference: CaseId

    def default_case_id(self) -> str | None:
        return self.our_reference


class RegisterCase(PartnerCommand):
    """Open a case at the partner; ``partner_customer_no`` is the creditor's number there."""

    message_type = "partner.register_case"

    partner_customer_no: Text
    customer: Segment
    debtor: Debtor
    invoice: Segment
    invoice_date: date
    due_date: date
    original_amount: Amount
    open_amount: Amount
    currency: Currency
    kid: Text | None = None
    reminders_sent: int = Field(ge=0)
    last_reminder_date: date | None = None
    disputed: bool = False


class ForwardPayment(PartnerCommand):
    """Tell the partner about a direct payment or credit note (principal only)."""

    message_type = "partner.forward_payment"

    case_no: Text | None = None
    kind: PostingKind
    amount: Amount
    posting_id: Text
    booking_date: date


class RequestClose(PartnerCommand):
    """Ask the partner to close the case, with the reason."""

    message_type = "partner.request_close"

    case_no: Text | None = None
    reason: Text
