"""Event ids of ingress messages, derived from what M3 says rather than drawn at random.

M3's Event Subscriber may deliver an event twice, a MEC mapping may re-post a batch, and the
poller reads the same invoice again on every pass. Each of those must reach the case processor
under the same event id, so it is recognised as a duplicate (ARCHITECTURE §3): an overdue
invoice is identified by its case and how far the reminding has come, a posting by M3's own
posting id within the company.
"""

from __future__ import annotations

import uuid
from datetime import date

INGRESS_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:debt-collection-service:m3-ingress")


def overdue_event_id(case_id: str, reminders_sent: int, last_reminder_date: date | None) -> uuid.UUID:
    """Same invoice at the same reminder stage → same id; a further reminder → a new id."""
    return uuid.uuid5(INGRESS_NAMESPACE, f"{case_id}|overdue|{reminders_sent}|{last_reminder_date}")


def posting_event_id(company: str, posting_id: str) -> uuid.UUID:
    """M3's posting id (voucher key) is unique within the company."""
    return uuid.uuid5(INGRESS_NAMESPACE, f"{company}|posting|{posting_id}")
