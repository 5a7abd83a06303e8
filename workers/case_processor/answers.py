"""The partner's answers and statuses: receipt, rejection, status changes (DOMAIN §2.1.5, §2.2)."""

from __future__ import annotations

from contracts import (
    CaseRegistrationAccepted,
    CaseRegistrationRejected,
    CaseStatusChanged,
    Envelope,
    StatusIgnored,
)
from workers.case_processor.decision import Context, Decision
from workers.case_processor.m3_commands import m3_commands
from workers.case_processor.postings import release_held
from workers.case_processor.state import CaseState
from workers.domain.case_status import Applied, StatusReport, after_receipt, apply_status, is_closed
from workers.domain.m3_effects import on_receipt, on_rejection, on_status


def on_registration_accepted(state: CaseState, message: Envelope, context: Context) -> Decision:
    answer = message.payload
    if not state.has_case or state.partner != answer.partner or state.case_no is not None:
        return Decision(state)
    effects = on_receipt(state.code, answer.partner, answer.case_no, context.business_date)
    next_state = state.with_status(after_receipt(state.status_state())).model_copy(
        update={"case_no": answer.case_no})
    decision = Decision(next_state).event(CaseRegistrationAccepted(partner=answer.partner, case_no=answer.case_no))
    for command in m3_commands(state.case_id, effects):
        decision.emit("m3.commands", command)
    return release_held(decision, context)


def on_registration_rejected(state: CaseState, message: Envelope, context: Context) -> Decision:
    answer = message.payload
    if state.phase != "active" or state.partner != answer.partner or state.case_no is not None:
        return Decision(state)
    next_state = state.model_copy(update={"phase": "rejected", "code": 0, "held_postings": ()})
    decision = Decision(next_state).event(CaseRegistrationRejected(partner=answer.partner, reason=answer.reason))
    for command in m3_commands(state.case_id, on_rejection()):
        decision.emit("m3.commands", command)
    return decision


def on_status_changed(state: CaseState, message: Envelope, context: Context) -> Decision:
    report = message.payload
    if not state.has_case or state.partner != report.partner:
        ignored = StatusIgnored(status=report.status, partner_time=report.at,
                                reason="no case at this partner")
        return Decision(state).event(ignored)
    verdict = apply_status(state.status_state(), StatusReport(
        status=report.status, partner_time=report.at, raw_status=report.raw_status,
        sub_status=report.raw_sub_status))
    case_no = state.case_no or report.case_no
    next_state = state.with_status(verdict.state).model_copy(update={"case_no": case_no})
    if not isinstance(verdict, Applied):
        return Decision(next_state).event(StatusIgnored(status=report.status, partner_time=report.at,
                                                        reason=verdict.reason))
    if is_closed(verdict.new_code):
        next_state = next_state.model_copy(update={"phase": "closed"})
    decision = Decision(next_state).event(CaseStatusChanged(
        partner=report.partner, case_no=case_no, status=report.status, code=verdict.new_code,
        raw_status=report.raw_status, raw_sub_status=report.raw_sub_status, partner_time=report.at,
        business_date=context.business_date))
    for command in m3_commands(state.case_id, on_status(verdict, report.partner, case_no, context.business_date)):
        decision.emit("m3.commands", command)
    if state.case_no is None and not is_closed(verdict.new_code):
        decision = release_held(decision, context)
    return decision
