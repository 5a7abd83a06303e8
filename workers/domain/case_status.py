"""A case's status at the partner, and what M3 users see of it (DOMAIN §2.2).

M3 shows a collection case as a payment-reminder-stop code (ARS055) on the invoice. The code
follows the partner's *newest* status: partners report at least once and not necessarily in
order, so a late, older report must not drag the case back, and nothing reopens a closed case.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import IntEnum
from typing import Literal, get_args

PartnerStatus = Literal[
    "acknowledged",
    "reminder",
    "collection",
    "dispute",
    "conciliation_board",
    "legal",
    "closed_unsettled",
    "closed_settled",
]
PARTNER_STATUSES: frozenset[str] = frozenset(get_args(PartnerStatus))


class ReminderStop(IntEnum):
    """M3's payment reminder stop (RMBL); the M3 texts are the tenant's, these are ours."""

    NONE = 0
    SENT_PARTNER = 1
    ACKNOWLEDGED = 2
    COLLECTION = 3
    DISPUTE = 4
    CONCILIATION_BOARD = 5
    LEGAL = 6
    CLOSED_UNSETTLED = 8
    CLOSED_SETTLED = 9


STOP_CODE_FOR_STATUS: dict[str, ReminderStop] = {
    "acknowledged": ReminderStop.ACKNOWLEDGED,
    "reminder": ReminderStop.ACKNOWLEDGED,
    "collection": ReminderStop.COLLECTION,
    "dispute": ReminderStop.DISPUTE,
    "conciliation_board": ReminderStop.CONCILIATION_BOARD,
    "legal": ReminderStop.LEGAL,
    "closed_unsettled": ReminderStop.CLOSED_UNSETTLED,
    "closed_settled": ReminderStop.CLOSED_SETTLED,
}


def is_closed(code: int) -> bool:
    """8 and 9 are final: a closed case is never reopened (a new hand-over is a new feature)."""
    return code in (ReminderStop.CLOSED_UNSETTLED, ReminderStop.CLOSED_SETTLED)


def canonical_status(raw: str, status_mapping: dict[str, str] | None) -> PartnerStatus | None:
    """Translates a partner's own status word; None when neither mapped nor canonical."""
    mapped = (status_mapping or {}).get(raw, raw)
    return mapped if mapped in PARTNER_STATUSES else None  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class StatusReport:
    status: PartnerStatus
    partner_time: datetime
    raw_status: str | None = None
    sub_status: str | None = None


@dataclass(frozen=True, slots=True)
class CaseStatusState:
    """What the case remembers of statuses: the applied one, and every one it has seen."""

    code: int = ReminderStop.SENT_PARTNER
    status: PartnerStatus | None = None
    partner_time: datetime | None = None
    raw_status: str | None = None
    sub_status: str | None = None
    seen: frozenset[tuple[str, datetime]] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class Applied:
    new_code: int
    old_code: int
    state: CaseStatusState

    @property
    def code_changed(self) -> bool:
        """Two statuses can share a code (acknowledged, reminder): then M3 needs no update."""
        return self.new_code != self.old_code


IgnoredReason = Literal["duplicate", "case closed", "stale", "no case"]


@dataclass(frozen=True, slots=True)
class Ignored:
    """Recorded, changes nothing in M3; `state` still remembers the report as seen."""

    reason: IgnoredReason
    state: CaseStatusState


StatusDecision = Applied | Ignored


def apply_status(current: CaseStatusState, incoming: StatusReport) -> StatusDecision:
    """Decides whether a partner status moves the case.

    Checked in this order so the recorded reason is the most telling one: a duplicate is
    a duplicate even after close; a closed case stays closed whatever the time says; only
    then does the partner's event time decide. Equal times are not "older": the later
    arrival wins. Open codes may move in either direction (dispute 4 → collection 3).
    """
    key = (incoming.status, incoming.partner_time)
    if key in current.seen:
        return Ignored("duplicate", current)
    seen_state = replace(current, seen=current.seen | {key})
    if current.code == ReminderStop.NONE:
        return Ignored("no case", seen_state)
    if is_closed(current.code):
        return Ignored("case closed", seen_state)
    if current.partner_time is not None and incoming.partner_time < current.partner_time:
        return Ignored("stale", seen_state)
    new_code = STOP_CODE_FOR_STATUS[incoming.status]
    state = replace(
        seen_state,
        code=new_code,
        status=incoming.status,
        partner_time=incoming.partner_time,
        raw_status=incoming.raw_status,
        sub_status=incoming.sub_status,
    )
    return Applied(new_code=new_code, old_code=current.code, state=state)


def after_receipt(current: CaseStatusState) -> CaseStatusState:
    """The partner's receipt acknowledges the case (code 2), unless a status already moved it on."""
    if current.code == ReminderStop.SENT_PARTNER:
        return replace(current, code=ReminderStop.ACKNOWLEDGED)
    return current


def after_rejection(current: CaseStatusState) -> CaseStatusState:
    """A rejected registration leaves no case at the partner: statuses after it change nothing."""
    return replace(current, code=ReminderStop.NONE)
