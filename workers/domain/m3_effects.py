"""What M3 must show after each step of a case (DOMAIN §2.1 steps 4–5, §2.2).

The case processor decides; the M3 gateway only encodes these values into the tenant's
custom transaction. Keeping them here makes "what does the clerk see on the invoice" one
testable table instead of logic spread over adapters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from workers.domain.case_status import Applied, ReminderStop, StatusDecision, is_closed

CLOSED_CASE = 997
ACTIVE_CASE = 998
ORIGINAL_CASE = 999


@dataclass(frozen=True, slots=True)
class M3Effects:
    """Changes to one invoice; `reminder_stop` None leaves code, stopped-by and date alone."""

    reminder_stop: int | None = None
    stopped_by: str | None = None
    stop_date: date | None = None
    info_add: dict[int, str] = field(default_factory=dict)
    info_remove: frozenset[int] = frozenset()


def on_registration(partner_id: str, business_date: date) -> M3Effects:
    """Stop reminders at once, so M3 does not keep dunning a customer the partner now owns."""
    return M3Effects(ReminderStop.SENT_PARTNER, partner_id, business_date)


def on_receipt(current_code: int, partner_id: str, case_no: str, business_date: date) -> M3Effects:
    """998 lets a clerk find the active case; 999 keeps the original number forever."""
    info = {ACTIVE_CASE: case_no, ORIGINAL_CASE: case_no}
    if is_closed(current_code):
        return M3Effects(info_add={CLOSED_CASE: case_no, ORIGINAL_CASE: case_no})
    if current_code == ReminderStop.SENT_PARTNER:
        return M3Effects(ReminderStop.ACKNOWLEDGED, partner_id, business_date, info_add=info)
    return M3Effects(info_add=info)


def on_rejection() -> M3Effects:
    """Back to normal dunning: stop code 0, stopped-by and stop date cleared."""
    return M3Effects(ReminderStop.NONE, None, None)


def on_status(
    decision: StatusDecision, partner_id: str, case_no: str | None, business_date: date
) -> M3Effects | None:
    """None when M3 needs nothing: an ignored status, or a new status with the same code.

    On close the active-case marker 998 gives way to 997 "closed case"; 999 stays.
    """
    if not isinstance(decision, Applied) or not decision.code_changed:
        return None
    if not is_closed(decision.new_code):
        return M3Effects(decision.new_code, partner_id, business_date)
    info_add = {CLOSED_CASE: case_no} if case_no else {}
    return M3Effects(
        decision.new_code,
        partner_id,
        business_date,
        info_add=info_add,
        info_remove=frozenset({ACTIVE_CASE}),
    )
