"""``partner.case-status``: the partner's answers to a registration and its status changes.

The partner gateway translates every transport (webhook, polling, receipt file) into these
three messages, keyed by our case id (the partner echoes it as ``our_reference``). Statuses use
our own vocabulary; the partner's raw status and sub-status travel along for the people who
read them next to the mapped M3 code (DOMAIN §2.2).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Literal

from pydantic import AwareDatetime

from contracts.base import Payload, Text
from contracts.identity import CaseId, Segment

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

REMINDER_STOP_CODES = MappingProxyType(
    {
        "acknowledged": 2,
        "reminder": 2,
        "collection": 3,
        "dispute": 4,
        "conciliation_board": 5,
        "legal": 6,
        "closed_unsettled": 8,
        "closed_settled": 9,
    }
)
"""M3 payment-reminder-stop code (ARS055) for each partner status; 1 = sent, no receipt yet."""

SENT_TO_PARTNER_CODE = 1
CLOSED_CODES = frozenset({8, 9})


class PartnerRegistrationAccepted(Payload):
    """The partner's receipt: the case now has the partner's case number."""

    message_type = "partner.registration_accepted"

    partner: Segment
    case_no: Text
    our_reference: CaseId
    at: AwareDatetime

    def default_case_id(self) -> str | None:
        return self.our_reference


class PartnerRegistrationRejected(Payload):
    """The partner refused the case; it is not resent automatically."""

    message_type = "partner.registration_rejected"

    partner: Segment
    reason: Text
    at: AwareDatetime


class PartnerStatusChanged(Payload):
    """A status change with the partner's own event time, which orders late arrivals."""

    message_type = "partner.status_changed"

    partner: Segment
    case_no: Text
    status: PartnerStatus
    raw_status: Text
    raw_sub_status: str | None = None
    at: AwareDatetime
