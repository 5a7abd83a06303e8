"""One entry of the partner's status feed → the messages it means on ``partner.case-status``.

Pure: no I/O, no tables. The caller resolves our case id and says whether the partner's case
number is new to us. Message ids derive from the partner's own event id (uuid5 of partner and
event id, then one purpose each), so reading the same feed entry twice — after a crash, a lost
webhook answer, a poll racing a webhook — yields the very same messages, which consumers drop.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from contracts import (
    Envelope,
    PartnerRegistrationAccepted,
    PartnerRegistrationRejected,
    PartnerStatusChanged,
    derived_event_id,
    new_message,
)
from workers.adapters.partner import StatusChange
from workers.domain.case_status import PARTNER_STATUSES

SOURCE = "partner-gateway"
FEED_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:debt-collection-service:partner-feed-event")


@dataclass(frozen=True)
class Problem:
    """A feed entry no message can express; it goes to dead letters for a person."""

    change: StatusChange
    reason: str


def feed_event_id(partner: str, event_id: str) -> uuid.UUID:
    return uuid.uuid5(FEED_NAMESPACE, f"{partner}/{event_id}")


def message_id(partner: str, event_id: str, purpose: str) -> uuid.UUID:
    return derived_event_id(feed_event_id(partner, event_id), purpose)


def partner_time(change: StatusChange) -> datetime:
    at = change.occurred_at
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _message(kind: str, payload: Any, partner: str, change: StatusChange, case_id: str, purpose: str) -> Envelope[Any]:
    return new_message(kind, payload, source=SOURCE, case_id=case_id, occurred_at=partner_time(change),
                       event_id=message_id(partner, change.event_id, purpose))


def messages_for(
    partner: str, change: StatusChange, case_id: str, *, new_case_no: bool
) -> list[Envelope[Any]] | Problem:
    """The receipt (when the case number is new to us) first, then the rejection or status.

    ``new_case_no`` is true when the entry carries a case number we have not yet bound to
    ``case_id``: that is the partner's receipt (the sandbox's ``MOTTATT`` with its number).
    """
    at = partner_time(change)
    if change.status == "rejected":
        reason = change.reason or f"rejected by {partner} ({change.raw_status})"
        rejected = PartnerRegistrationRejected(partner=partner, reason=reason, at=at)
        return [_message("partner.registration_rejected", rejected, partner, change, case_id, "rejection")]
    if change.status is None:
        return Problem(change, change.unmapped or f"status {change.raw_status!r} is not mapped")
    out: list[Envelope[Any]] = []
    if new_case_no and change.case_no:
        receipt = PartnerRegistrationAccepted(partner=partner, case_no=change.case_no, our_reference=case_id, at=at)
        out.append(_message("partner.registration_accepted", receipt, partner, change, case_id, "receipt"))
    if change.status not in PARTNER_STATUSES:
        return out
    if not change.case_no:
        return Problem(change, f"status {change.raw_status!r} without a case number")
    status = PartnerStatusChanged(partner=partner, case_no=change.case_no, status=change.status,
                                  raw_status=change.raw_status, raw_sub_status=change.sub_status, at=at)
    out.append(_message("partner.status_changed", status, partner, change, case_id, "status"))
    return out
