"""Overdue invoices and their re-checks: skip, defer or hand over (DOMAIN §2.1)."""

from __future__ import annotations

from datetime import date
from typing import Any

from contracts import Envelope, HandedOver, InvoiceDeferred, InvoiceOverdue, InvoiceSkipped, RegisterCase
from workers.case_processor.decision import Context, Decision
from workers.case_processor.m3_commands import m3_commands
from workers.case_processor.state import CaseState, Deferral
from workers.domain.eligibility import Defer, Eligible, OverdueInvoice, Skip, check_eligibility
from workers.domain.m3_effects import on_registration


def on_overdue(state: CaseState, message: Envelope, context: Context) -> Decision:
    invoice: InvoiceOverdue = message.payload
    return _decide(state, invoice, context, fresh=True)


def on_recheck(state: CaseState, message: Envelope, context: Context) -> Decision:
    if state.phase != "deferred" or state.waiting_invoice is None:
        return Decision(state)
    invoice = InvoiceOverdue.model_validate(state.waiting_invoice, strict=False)
    return _decide(state, invoice, context, fresh=False)


def _decide(state: CaseState, invoice: InvoiceOverdue, context: Context, *, fresh: bool) -> Decision:
    if context.configuration is None:
        return Decision(state).event(InvoiceSkipped(rule="no_configuration",
                                                    reason="no configuration has been applied yet"))
    verdict = check_eligibility(_facts(invoice), context.configuration, context.business_date, state.history)
    if isinstance(verdict, Skip):
        next_state = state if state.has_case or state.phase == "rejected" else state.model_copy(
            update={"phase": "skipped", "deferral": None, "waiting_invoice": None})
        return Decision(next_state).event(InvoiceSkipped(rule=verdict.rule, reason=verdict.reason))
    if isinstance(verdict, Defer):
        return _defer(state, invoice, verdict, fresh)
    return _hand_over(state, invoice, verdict, context)


def _defer(state: CaseState, invoice: InvoiceOverdue, verdict: Defer, fresh: bool) -> Decision:
    deferral = Deferral(rule=verdict.rule, until=verdict.until, waits_for=verdict.waits_for)
    unchanged = state.phase == "deferred" and state.deferral == deferral
    next_state = state.model_copy(update={
        "phase": "deferred", "deferral": deferral, "waiting_invoice": invoice.model_dump(mode="json"),
        "customer": invoice.customer, "currency": invoice.currency, "open_amount": invoice.open_amount,
    })
    decision = Decision(next_state)
    if fresh or not unchanged:
        decision.event(InvoiceDeferred(rule=verdict.rule, reason=verdict.reason, until=verdict.until,
                                       waits_for=verdict.waits_for))
    return decision


def _hand_over(state: CaseState, invoice: InvoiceOverdue, verdict: Eligible, context: Context) -> Decision:
    assert context.configuration is not None
    partner = context.configuration.partners[verdict.partner_id]
    debtor = invoice.debtor
    if debtor.national_id and not partner.requires_national_id:
        debtor = debtor.model_copy(update={"national_id": None})
    next_state = state.model_copy(update={
        "phase": "active", "partner": verdict.partner_id, "customer": invoice.customer,
        "currency": invoice.currency, "kid": invoice.kid, "open_amount": invoice.open_amount,
        "code": 1, "deferral": None, "waiting_invoice": None,
    })
    decision = Decision(next_state).event(HandedOver(
        partner=verdict.partner_id, division=invoice.division, customer=invoice.customer,
        amount=invoice.amount, open_amount=invoice.open_amount, currency=invoice.currency,
        business_date=context.business_date, due_date=invoice.due_date,
    ))
    decision.emit("partner.commands", RegisterCase(
        partner=verdict.partner_id, our_reference=state.case_id,
        partner_customer_no=verdict.division_link.partner_customer_no, customer=invoice.customer,
        debtor=debtor, invoice=invoice.invoice, invoice_date=invoice.invoice_date, due_date=invoice.due_date,
        original_amount=invoice.amount, open_amount=invoice.open_amount, currency=invoice.currency,
        kid=invoice.kid, reminders_sent=invoice.reminders_sent, last_reminder_date=invoice.last_reminder_date,
        disputed=invoice.disputed,
    ))
    for command in m3_commands(state.case_id, on_registration(verdict.partner_id, context.business_date)):
        decision.emit("m3.commands", command)
    return decision


def _facts(invoice: InvoiceOverdue) -> OverdueInvoice:
    return OverdueInvoice(
        company=invoice.company, division=invoice.division, invoice=invoice.invoice, year=invoice.year,
        customer=invoice.customer, due_date=invoice.due_date, amount=invoice.amount,
        open_amount=invoice.open_amount, currency=invoice.currency, reminder_rule=invoice.reminder_rule,
        customer_reminder_rule=None, collection_code=invoice.collection_code,
        customer_collection_blocked=invoice.debtor.collection_blocked, private=invoice.debtor.private,
    )


def due_for_recheck(state: CaseState, business_date: date, unpaused: Any) -> bool:
    """Whether a deferred case should be looked at again now (its date came, or it was unpaused)."""
    if state.phase != "deferred" or state.deferral is None:
        return False
    if state.deferral.waits_for == "date":
        return state.deferral.until is not None and state.deferral.until <= business_date
    return bool(unpaused(state))
