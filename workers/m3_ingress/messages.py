"""Wraps an ingress payload in its envelope, identically whichever path brought it.

A MEC/ION post, a CMS049 event and a poll of the same invoice must be the same message, so
nothing in the envelope may depend on the path or the moment of arrival except `recorded_at`:
the event id comes from `event_ids`, and `occurred_at` is the business day the fact belongs to
(the last reminder, else the due date; a posting's booking date) at midnight in the tenant's zone.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from contracts import Envelope, InvoiceOverdue, PostingBooked, new_message
from workers.config_events.clock import TENANT_ZONE
from workers.m3_ingress.event_ids import overdue_event_id, posting_event_id

SOURCE = "m3-ingress"
TOPIC_OF = {InvoiceOverdue: "ledger.overdue", PostingBooked: "m3.payments"}


def overdue_message(payload: InvoiceOverdue) -> Envelope[Any]:
    case_id = payload.default_case_id()
    assert case_id is not None
    return new_message(
        InvoiceOverdue.message_type, payload, source=SOURCE,
        event_id=overdue_event_id(case_id, payload.reminders_sent, payload.last_reminder_date),
        occurred_at=_business_day(payload.last_reminder_date or payload.due_date))


def posting_message(payload: PostingBooked) -> Envelope[Any]:
    return new_message(
        PostingBooked.message_type, payload, source=SOURCE,
        event_id=posting_event_id(payload.company, payload.posting_id),
        occurred_at=_business_day(payload.booking_date))


def message_for(payload: InvoiceOverdue | PostingBooked) -> tuple[str, Envelope[Any]]:
    """The (logical topic, envelope) an ingress payload is published as."""
    if isinstance(payload, InvoiceOverdue):
        return TOPIC_OF[InvoiceOverdue], overdue_message(payload)
    return TOPIC_OF[PostingBooked], posting_message(payload)


def _business_day(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=TENANT_ZONE)
