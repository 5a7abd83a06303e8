"""The envelope every message travels in, and deterministic ids for derived messages.

Delivery is at-least-once with idempotent processing (ARCHITECTURE §3): each message carries a
producer-assigned ``event_id`` that consumers deduplicate on. A message derived from another gets
``derived_event_id(cause, purpose)`` (uuid5), so re-processing a duplicate re-emits the *same*
ids instead of new ones, and a send lost in a crash is repaired by the replay rather than doubled.

``Envelope`` is generic in its payload: ``Envelope[InvoiceOverdue]`` validates the payload as that
model in one pass, which keeps JSON-mode parsing (ISO dates, UUID strings) for the nested fields.
"""

from __future__ import annotations

import uuid
from typing import Generic, TypeVar
from uuid import UUID

from pydantic import AwareDatetime, Field, model_validator

from contracts.base import Contract, Payload, Text
from contracts.identity import CaseId

EVENT_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:debt-collection-service:event-id")

P = TypeVar("P", bound=Payload)


def derived_event_id(cause_event_id: UUID, purpose: str) -> UUID:
    """The id of the message caused by ``cause_event_id`` for ``purpose`` (e.g. "register").

    One cause may lead to several messages, so each needs its own purpose string; the same
    cause and purpose always give the same id.
    """
    if not purpose:
        raise ValueError("a derived event id needs a non-empty purpose")
    return uuid.uuid5(EVENT_ID_NAMESPACE, f"{cause_event_id}:{purpose}")


class Envelope(Contract, Generic[P]):
    """Routing, tracing and timing around one payload.

    ``case_id`` is set on every case-scoped message; ``key`` is the Kafka key when it is not the
    case id (settlement id, ``{kind}/{id}`` of a config entity, ``clock``) and wins when both are
    set, e.g. a settlement decision that names its case but is keyed by settlement.
    ``correlation_id`` is the first message of the chain, ``causation_id`` the direct cause.
    """

    event_id: UUID
    type: Text
    schema_version: int = Field(ge=1)
    case_id: CaseId | None = None
    key: Text | None = None
    correlation_id: UUID | None = None
    causation_id: UUID | None = None
    occurred_at: AwareDatetime
    recorded_at: AwareDatetime
    source: Text
    payload: P

    @model_validator(mode="after")
    def _payload_matches_type(self) -> Envelope[P]:
        declared = getattr(self.payload, "message_type", "")
        if declared and declared != self.type:
            raise ValueError(f"payload is a {declared} but the envelope says {self.type}")
        return self
