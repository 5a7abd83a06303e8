"""The explicit handler map of the case processor: message type → pure decision function.

Every input topic of the processor is case-keyed and co-partitioned; one agent consumes them
all, so the messages of a case are decided one at a time, in the order they arrived.
"""

from __future__ import annotations

from collections.abc import Callable

from contracts import Envelope
from workers.case_processor.answers import on_registration_accepted, on_registration_rejected, on_status_changed
from workers.case_processor.decision import Context, Decision
from workers.case_processor.handover import on_overdue, on_recheck
from workers.case_processor.outcomes import on_command_outcome
from workers.case_processor.postings import on_posting
from workers.case_processor.settlement_lines import on_settlement_line
from workers.case_processor.state import CaseState

Handler = Callable[[CaseState, Envelope, Context], Decision]

HANDLERS: dict[str, Handler] = {
    "ledger.invoice_overdue": on_overdue,
    "case.recheck_due": on_recheck,
    "partner.registration_accepted": on_registration_accepted,
    "partner.registration_rejected": on_registration_rejected,
    "partner.status_changed": on_status_changed,
    "m3.posting_booked": on_posting,
    "settlement.line_submitted": on_settlement_line,
    "m3.command_outcome": on_command_outcome,
}

INPUT_TOPICS = ("ledger.overdue", "m3.payments", "partner.case-status", "settlement.lines", "m3.outcomes",
                "case.rechecks")


def decide(state: CaseState, message: Envelope, context: Context) -> Decision:
    """Apply one input; an input already applied changes nothing (its outputs were sent before)."""
    if str(message.event_id) in state.processed:
        return Decision(state)
    decision = HANDLERS[message.type](state, message, context)
    decision.state = decision.state.model_copy(update={"processed": (*decision.state.processed, str(message.event_id))})
    return decision
