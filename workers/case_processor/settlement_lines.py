"""One line of a partner settlement, checked against the case it pays (DOMAIN §2.4).

The verdict goes two ways: onto the case's log (accepted, or a discrepancy with its reason)
and to the settlement's aggregator, which posts one statement per division once every line
of the settlement is decided.
"""

from __future__ import annotations

from contracts import (
    Envelope,
    JournalLine,
    SettlementDiscrepancy,
    SettlementLineAccepted,
    SettlementLineDecided,
    SettlementLineSubmitted,
    StatementDetail,
    parse_case_id,
)
from workers.case_processor.decision import Context, Decision
from workers.case_processor.state import CaseState
from workers.domain.settlement import Accepted, settle_line
from workers.domain.settlement_line import SettlementLine


def on_settlement_line(state: CaseState, message: Envelope, context: Context) -> Decision:
    submitted: SettlementLineSubmitted = message.payload
    line_key = f"{submitted.settlement_id}#{submitted.line_no}"
    if line_key in state.settlement_lines:
        return Decision(state)
    state = state.model_copy(update={"settlement_lines": (*state.settlement_lines, line_key)})
    invoice = parse_case_id(state.case_id)
    reason = _refusal(state, submitted, context)
    if reason is None:
        assert context.configuration is not None
        link = context.configuration.divisions[invoice.division]
        verdict = settle_line(
            _domain_line(submitted), open_amount=state.open_amount or 0, vat_rate=link.vat_rate,
            tolerance=context.configuration.rounding_tolerance,
            accounts=context.configuration.accounts_for(invoice.division), invoice=invoice.invoice,
            year=invoice.year, kid=state.kid, text=f"{submitted.settlement_id} {state.case_no or state.case_id}",
        )
        if isinstance(verdict, Accepted):
            return _accepted(state, submitted, verdict, invoice.division)
        reason = "; ".join(verdict.reasons)
    decision = Decision(state).event(SettlementDiscrepancy(settlement_id=submitted.settlement_id, reason=reason))
    return decision.emit("settlement.decisions", SettlementLineDecided(
        settlement_id=submitted.settlement_id, line_no=submitted.line_no, case_id=state.case_id,
        division=invoice.division, accepted=False, reason=reason))


def _refusal(state: CaseState, submitted: SettlementLineSubmitted, context: Context) -> str | None:
    if context.configuration is None:
        return "no configuration has been applied yet"
    if not state.has_case:
        return f"no case for {state.case_id}"
    if state.partner != submitted.partner:
        return f"the case is at {state.partner}, not {submitted.partner}"
    if state.currency and submitted.currency != state.currency:
        return f"settlement currency {submitted.currency} differs from the invoice's {state.currency}"
    return None


def _accepted(state: CaseState, submitted: SettlementLineSubmitted, verdict: Accepted, division: str) -> Decision:
    journal = [JournalLine(account=j.account, debit=j.debit, credit=j.credit, text=j.text) for j in verdict.journal]
    next_state = state.model_copy(update={
        "open_amount": verdict.open_amount_after,
        "unposted_journals": {**state.unposted_journals, submitted.settlement_id: {
            "division": division, "journal": [line.model_dump(mode="json") for line in journal]}},
    })
    decision = Decision(next_state).event(SettlementLineAccepted(
        settlement_id=submitted.settlement_id, principal=submitted.line.principal, payout=verdict.payout,
        open_amount_after=verdict.open_amount_after))
    return decision.emit("settlement.decisions", SettlementLineDecided(
        settlement_id=submitted.settlement_id, line_no=submitted.line_no, case_id=state.case_id,
        division=division, accepted=True, payout=verdict.payout,
        details=[StatementDetail(type=d.type, amount=d.amount, invoice=d.invoice, year=d.year, kid=d.kid)
                 for d in verdict.details],
        journal=journal))


def _domain_line(submitted: SettlementLineSubmitted) -> SettlementLine:
    line = submitted.line
    return SettlementLine(principal=line.principal, interest=line.interest, kickback=line.kickback,
                          commission=line.commission, fee_vat_base=line.fee_vat_base, fee_vat=line.fee_vat,
                          rounding=line.rounding, other=line.other, payout=line.payout)
