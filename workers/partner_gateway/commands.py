"""What each command asks of the partner, and which answers go back on ``partner.case-status``.

Every write looks first: a command may be a redelivery after a crash, or a retry after the
partner failed us mid-call, and a partner that deduplicates nothing (the sandbox's naive mode)
would otherwise open a second case or book a payment twice. Looking is one read by our
reference (the case id, our idempotency key); only when nothing is found do we write, and the
adapter itself looks again before re-sending after an uncertain failure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from contracts import (
    Envelope,
    ForwardPayment,
    PartnerRegistrationAccepted,
    PartnerRegistrationRejected,
    RegisterCase,
    RequestClose,
    new_message,
)
from workers.adapters.partner import (
    ActionResult,
    CaseDetails,
    CaseRegistration,
    PartnerRestClient,
    RegistrationResult,
)
from workers.adapters.partner.reader import pick_case

SOURCE = "partner-gateway"


@dataclass(frozen=True)
class Handled:
    """The outcome of one command: what to publish, and a word for logs and counters."""

    outcome: str
    outputs: list[Envelope[Any]] = field(default_factory=list)
    reason: str | None = None


def to_registration(command: RegisterCase) -> CaseRegistration:
    """Our command in the adapter's terms: only what the partner needs (GDPR minimisation)."""
    debtor = command.debtor
    address = debtor.address
    return CaseRegistration.model_validate({
        "reference": command.our_reference,
        "creditor_customer_no": command.partner_customer_no,
        "debtor": {
            "customer_no": command.customer, "name": debtor.name,
            "type": "private" if debtor.private else "business", "org_no": debtor.org_no,
            "national_id": debtor.national_id, "email": debtor.email,
            "address": {"line1": address.line1, "line2": address.line2, "postcode": address.postcode,
                        "city": address.city, "country": address.country},
        },
        "invoice": {
            "number": command.invoice, "date": command.invoice_date, "due_date": command.due_date,
            "original_amount": command.original_amount, "open_amount": command.open_amount,
            "currency": command.currency, "kid": command.kid, "reminders_sent": command.reminders_sent,
            "last_reminder_date": command.last_reminder_date, "disputed": command.disputed,
        },
    })


def registration_answer(command: Envelope[Any], result: RegistrationResult) -> Handled:
    payload = command.payload
    now = datetime.now(UTC)
    if not result.accepted:
        reason = result.reason or "rejected by the partner"
        rejected = PartnerRegistrationRejected(partner=payload.partner, reason=reason, at=now)
        message = new_message("partner.registration_rejected", rejected, source=SOURCE,
                              case_id=payload.our_reference, cause=command, purpose="rejection")
        return Handled("rejected", [message], reason)
    if result.case_no is None:
        return Handled("registered")
    receipt = PartnerRegistrationAccepted(partner=payload.partner, case_no=result.case_no,
                                          our_reference=payload.our_reference, at=now)
    message = new_message("partner.registration_accepted", receipt, source=SOURCE, cause=command, purpose="receipt")
    return Handled("receipt", [message])


def rejection(command: Envelope[Any], reason: str) -> Handled:
    return registration_answer(command, RegistrationResult(accepted=False, reason=reason))


def _existing_registration(case: CaseDetails) -> RegistrationResult:
    if case.status == "rejected" or case.rejection_reason:
        return RegistrationResult(accepted=False, reason=case.rejection_reason or "rejected", already_existed=True)
    return RegistrationResult(accepted=True, case_no=case.case_no, already_existed=True)


async def _cases(client: PartnerRestClient, case_no: str | None, reference: str) -> list[CaseDetails]:
    if case_no:
        case = await client.case_details(case_no=case_no)
        return [case] if case else []
    return await client.find_cases(reference)


async def register(client: PartnerRestClient, command: Envelope[Any]) -> Handled:
    payload: RegisterCase = command.payload
    existing = pick_case(await client.find_cases(payload.our_reference))
    if existing is not None:
        return registration_answer(command, _existing_registration(existing))
    return registration_answer(command, await client.register_case(to_registration(payload)))


async def forward_payment(client: PartnerRestClient, command: Envelope[Any]) -> Handled:
    payload: ForwardPayment = command.payload
    for case in await _cases(client, payload.case_no, payload.our_reference):
        postings = case.payments if payload.kind == "payment" else case.credits
        if any(p.posting_id == payload.posting_id for p in postings):
            return Handled("already_forwarded")
    result = await client.forward_payment(
        reference=payload.our_reference, kind=payload.kind, amount=payload.amount,
        posting_id=payload.posting_id, case_no=payload.case_no, booking_date=payload.booking_date)
    return _action("forwarded", result)


async def request_close(client: PartnerRestClient, command: Envelope[Any]) -> Handled:
    payload: RequestClose = command.payload
    request_id = str(command.event_id)
    for case in await _cases(client, payload.case_no, payload.our_reference):
        if any(c.request_id == request_id for c in case.close_requests):
            return Handled("already_requested")
    result = await client.request_close(reference=payload.our_reference, reason=payload.reason,
                                        request_id=request_id, case_no=payload.case_no)
    return _action("close_requested", result)


def _action(done: str, result: ActionResult) -> Handled:
    if result.accepted:
        return Handled("already_done" if result.already_existed else done)
    return Handled("refused", reason=result.reason)


HANDLERS = {
    "partner.register_case": register,
    "partner.forward_payment": forward_payment,
    "partner.request_close": request_close,
}


async def perform(client: PartnerRestClient, command: Envelope[Any]) -> Handled:
    return await HANDLERS[command.type](client, command)
