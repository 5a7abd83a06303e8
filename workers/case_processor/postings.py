"""Payments and credit notes booked in M3 (DOMAIN §2.3): forward, hold, or record only.

Only postings under FAM functions with transfer = yes are forwarded, and never the partner's
own settlement functions — including M3's postings of our statements — or the partner's money
would come back to it as a "direct payment". M3's open amount after the posting is the truth.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from contracts import CloseRequested, Envelope, ForwardPayment, PaymentForwarded, PostingBooked, PostingRecorded, RequestClose
from workers.case_processor.decision import Context, Decision
from workers.case_processor.state import CaseState
from workers.domain.configuration import Configuration


def on_posting(state: CaseState, message: Envelope, context: Context) -> Decision:
    posting: PostingBooked = message.payload
    if posting.posting_id in state.posting_ids:
        return Decision(state)
    state = state.model_copy(update={
        "posting_ids": (*state.posting_ids, posting.posting_id),
        "open_amount": posting.open_amount_after,
        "waiting_invoice": _with_open_amount(state.waiting_invoice, posting.open_amount_after),
    })
    refusal = _not_forwardable(state, posting, context.configuration)
    if refusal is not None:
        return Decision(state).event(_recorded(posting, "not_forwarded", refusal))
    if state.case_no is None:
        held = state.model_copy(update={"held_postings": (*state.held_postings, posting.model_dump(mode="json"))})
        return Decision(held).event(_recorded(posting, "held", "waiting for the partner's receipt"))
    decision = Decision(state).event(_recorded(posting, "forwarded", None))
    return _forward(decision, posting, closes=posting.open_amount_after <= 0)


def release_held(decision: Decision, context: Context) -> Decision:
    """Forward what arrived before the partner's case number, now that it is known."""
    held = [PostingBooked.model_validate(raw, strict=False) for raw in decision.state.held_postings]
    decision.state = decision.state.model_copy(update={"held_postings": ()})
    for posting in held:
        decision = _forward(decision, posting, closes=posting.open_amount_after <= 0)
    return decision


def _forward(decision: Decision, posting: PostingBooked, *, closes: bool) -> Decision:
    state = decision.state
    decision.event(PaymentForwarded(kind=posting.kind, amount=posting.amount, posting_id=posting.posting_id))
    decision.emit("partner.commands", ForwardPayment(
        partner=state.partner, our_reference=state.case_id, case_no=state.case_no, kind=posting.kind,
        amount=posting.amount, posting_id=posting.posting_id, booking_date=posting.booking_date))
    if closes and not state.close_requested:
        what = "paid in full directly" if posting.kind == "payment" else "credited in full"
        reason = f"{what}: open amount {Decimal(state.open_amount or 0):.2f} after posting {posting.posting_id}"
        decision.state = state.model_copy(update={"close_requested": True})
        decision.event(CloseRequested(partner=state.partner, reason=reason))
        decision.emit("partner.commands", RequestClose(partner=state.partner, our_reference=state.case_id,
                                                       case_no=state.case_no, reason=reason))
    return decision


def _not_forwardable(state: CaseState, posting: PostingBooked, configuration: Configuration | None) -> str | None:
    if configuration is None:
        return "no configuration has been applied yet"
    function = configuration.fam_functions.get(posting.function)
    settlement_functions = {f for p in configuration.partners.values() for f in p.settlement_functions}
    if posting.function in settlement_functions:
        return f"{posting.function} is a partner settlement function"
    if function is None:
        return f"FAM function {posting.function} is not configured"
    if not function.transfer:
        return f"FAM function {posting.function} is not set to transfer"
    if state.phase != "active":
        return "no active case for this invoice" if state.phase != "closed" else "the case is closed"
    return None


def _recorded(posting: PostingBooked, forwarded: str, reason: str | None) -> PostingRecorded:
    return PostingRecorded(kind=posting.kind, amount=posting.amount, function=posting.function,
                           open_amount_after=posting.open_amount_after, posting_id=posting.posting_id,
                           booking_date=posting.booking_date, forwarded=forwarded, reason=reason)


def _with_open_amount(invoice: dict[str, Any] | None, open_amount: Decimal) -> dict[str, Any] | None:
    return None if invoice is None else {**invoice, "open_amount": f"{open_amount:.2f}"}
