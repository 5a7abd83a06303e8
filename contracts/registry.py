"""The topic ↔ message-type registry every producer and consumer goes through.

``encode``/``decode`` are the only way bytes become messages and back: a type not allowed on a
topic, a version we do not know, or a payload that fails validation is a ``ContractError`` the
consumer sends to the dead-letter topic. ``TOPIC_CONTRACTS`` mirrors ``topics.yaml`` explicitly;
a unit test fails when the two drift apart.

Adding a schema version (ARCHITECTURE §3: old events are upcast on read, never rewritten):
  1. change the payload model to the new shape;
  2. write ``upcast_vN(payload: dict) -> dict`` next to it, turning a version-N payload dict
     into version N+1 (rename, add defaults; pure, no I/O);
  3. here, raise ``version`` to N+1 and add ``N: upcast_vN`` to ``upcasters``;
  4. keep a version-N sample in the tests so replay of old events stays proven.
Producers always write the current version; ``decode`` chains upcasters from the written one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any
from uuid import UUID, uuid4

from pydantic import ValidationError
from pydantic_core import from_json

from contracts import case_events as ce
from contracts import ledger
from contracts.base import Payload
from contracts.clock import BusinessDateSet
from contracts.config_entities import ConfigEntityChanged, ConfigEntitySet
from contracts.dead_letter import DeadLetter
from contracts.envelope import Envelope, derived_event_id
from contracts.feed_reads import FeedReadRequested
from contracts.errors import ContractError, describe
from contracts.m3_commands import PostStatement, SetCaseInfo, SetReminderStop
from contracts.m3_outcomes import CommandOutcome
from contracts.partner_commands import ForwardPayment, RegisterCase, RequestClose
from contracts.partner_status import (
    PartnerRegistrationAccepted,
    PartnerRegistrationRejected,
    PartnerStatusChanged,
)
from contracts.postings import PostingBooked
from contracts.rechecks import RecheckDue
from contracts.remittance import SettlementReceived
from contracts.settlement import SettlementExpected, SettlementLineDecided, SettlementLineSubmitted

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class MessageType:
    """A message type: its payload model, current version and how to read older versions.

    ``keyed`` is False only for dead letters, whose source record may have had no key.
    """

    model: type[Payload]
    version: int = 1
    upcasters: Mapping[int, Upcaster] = field(default_factory=dict)
    keyed: bool = True

    def __post_init__(self) -> None:
        missing = set(range(1, self.version)) - set(self.upcasters)
        if missing:
            raise RuntimeError(f"{self.name} lacks upcasters from versions {sorted(missing)}")

    @property
    def name(self) -> str:
        return self.model.message_type

    @property
    def envelope_model(self) -> type[Envelope[Any]]:
        return Envelope[self.model]  # type: ignore[name-defined]


def _index(*types: MessageType) -> Mapping[str, MessageType]:
    return MappingProxyType({t.name: t for t in types})


MESSAGE_TYPES: Mapping[str, MessageType] = _index(
    MessageType(ledger.InvoiceOverdue, version=2, upcasters={1: ledger.upcast_v1}),
    MessageType(PostingBooked),
    MessageType(PartnerRegistrationAccepted),
    MessageType(PartnerRegistrationRejected),
    MessageType(PartnerStatusChanged),
    MessageType(SettlementReceived),
    MessageType(SettlementLineSubmitted),
    MessageType(SettlementExpected),
    MessageType(SettlementLineDecided),
    MessageType(ce.HandedOver, version=2, upcasters={1: ce.upcast_handed_over_v1}),
    *(MessageType(model) for model in ce.CASE_EVENT_PAYLOADS if model is not ce.HandedOver),
    MessageType(RegisterCase),
    MessageType(ForwardPayment),
    MessageType(RequestClose),
    MessageType(SetReminderStop),
    MessageType(SetCaseInfo),
    MessageType(PostStatement),
    MessageType(CommandOutcome),
    MessageType(RecheckDue),
    MessageType(FeedReadRequested),
    MessageType(ConfigEntitySet),
    MessageType(ConfigEntityChanged),
    MessageType(BusinessDateSet),
    MessageType(DeadLetter, keyed=False),
)

_DEAD_LETTERS = frozenset({"dead_letter"})

TOPIC_CONTRACTS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "ledger.overdue": frozenset({"ledger.invoice_overdue"}),
        "m3.payments": frozenset({"m3.posting_booked"}),
        "partner.case-status": frozenset(
            {
                "partner.registration_accepted",
                "partner.registration_rejected",
                "partner.status_changed",
            }
        ),
        "partner.remittance": frozenset({"partner.settlement_received"}),
        "settlement.lines": frozenset({"settlement.line_submitted"}),
        "settlement.decisions": frozenset({"settlement.expected", "settlement.line_decided"}),
        "case.events": frozenset(m.message_type for m in ce.CASE_EVENT_PAYLOADS),
        "partner.commands": frozenset(
            {"partner.register_case", "partner.forward_payment", "partner.request_close"}
        ),
        "m3.commands": frozenset({"m3.set_reminder_stop", "m3.set_case_info", "m3.post_statement"}),
        "m3.outcomes": frozenset({"m3.command_outcome"}),
        "case.rechecks": frozenset({"case.recheck_due"}),
        "partner.feed-reads": frozenset({"partner.feed_read_requested"}),
        "config": frozenset({"config.entity_set"}),
        "config.changes": frozenset({"config.entity_changed"}),
        "clock": frozenset({"clock.business_date_set"}),
        "ledger.overdue.dlq": _DEAD_LETTERS,
        "m3.payments.dlq": _DEAD_LETTERS,
        "partner.case-status.dlq": _DEAD_LETTERS,
        "partner.remittance.dlq": _DEAD_LETTERS,
        "settlement.lines.dlq": _DEAD_LETTERS,
        "settlement.decisions.dlq": _DEAD_LETTERS,
        "case.events.dlq": _DEAD_LETTERS,
        "partner.commands.dlq": _DEAD_LETTERS,
        "m3.commands.dlq": _DEAD_LETTERS,
        "m3.outcomes.dlq": _DEAD_LETTERS,
        "case.rechecks.dlq": _DEAD_LETTERS,
        "config.dlq": _DEAD_LETTERS,
        "clock.dlq": _DEAD_LETTERS,
    }
)

_unplaced = set(MESSAGE_TYPES) - set().union(*TOPIC_CONTRACTS.values())
_unknown = set().union(*TOPIC_CONTRACTS.values()) - set(MESSAGE_TYPES)
if _unplaced or _unknown:
    raise RuntimeError(f"registry inconsistent: no topic for {_unplaced}, no model for {_unknown}")


def message_type(name: str) -> MessageType:
    try:
        return MESSAGE_TYPES[name]
    except KeyError:
        raise ContractError(f"unknown message type {name!r}") from None


def _check_allowed(name: str, topic: str, allowed: frozenset[str]) -> None:
    if name not in allowed:
        listed = ", ".join(sorted(allowed))
        raise ContractError(f"{name} is not allowed on {topic} (allowed: {listed})")


def _allowed_on(topic: str) -> frozenset[str]:
    try:
        return TOPIC_CONTRACTS[topic]
    except KeyError:
        raise ContractError(f"unknown topic {topic!r} (give the logical name, no prefix)") from None


def new_message(
    type: str,
    payload: Payload | Mapping[str, Any],
    *,
    source: str,
    case_id: str | None = None,
    key: str | None = None,
    cause: Envelope[Any] | None = None,
    purpose: str | None = None,
    event_id: UUID | None = None,
    occurred_at: datetime | None = None,
) -> Envelope[Any]:
    """Wrap a payload in an envelope at the type's current version.

    A message caused by another (``cause``) must name its ``purpose``: its id is then derived
    from the cause, so re-processing the cause re-emits the same id. Routing not given is taken
    from the payload (its case id, settlement id, config entity, ...).
    """
    kind = message_type(type)
    if isinstance(payload, Mapping):
        try:
            payload = kind.model.model_validate(payload)
        except ValidationError as error:
            raise ContractError(f"invalid {type}: {describe(error)}") from None
    if not isinstance(payload, kind.model):
        got = payload.__class__.__name__
        raise ContractError(f"{type} needs a {kind.model.__name__} payload, not {got}")
    if (cause is None) != (purpose is None):
        raise ContractError("give both cause and purpose (a derived id needs both), or neither")
    if cause is not None:
        if event_id is not None:
            raise ContractError("a caused message gets a derived event id; do not pass event_id")
        if not purpose:
            raise ContractError("purpose must not be empty")
        event_id = derived_event_id(cause.event_id, purpose)
    case_id = case_id if case_id is not None else payload.default_case_id()
    key = key if key is not None else payload.default_key()
    if kind.keyed and case_id is None and key is None:
        raise ContractError(f"{type} needs a case_id or key to be partitioned by")
    now = datetime.now(UTC)
    try:
        return kind.envelope_model(
            event_id=event_id or uuid4(),
            type=type,
            schema_version=kind.version,
            case_id=case_id,
            key=key,
            correlation_id=None if cause is None else (cause.correlation_id or cause.event_id),
            causation_id=None if cause is None else cause.event_id,
            occurred_at=occurred_at or now,
            recorded_at=now,
            source=source,
            payload=payload,
        )
    except ValidationError as error:
        raise ContractError(f"invalid {type} envelope: {describe(error)}") from None


def message_key(envelope: Envelope[Any]) -> bytes | None:
    """The Kafka key: ``key`` when set, else the case id; None only for an unkeyed dead letter."""
    chosen = envelope.key if envelope.key is not None else envelope.case_id
    return None if chosen is None else chosen.encode("utf-8")


def encode(topic: str, envelope: Envelope[Any]) -> bytes:
    """JSON bytes for ``envelope`` on ``topic``; refuses a type the topic does not carry."""
    allowed = _allowed_on(topic)
    if not isinstance(envelope, Envelope):
        raise ContractError(f"encode needs an Envelope, not {envelope.__class__.__name__}")
    kind = message_type(envelope.type)
    _check_allowed(envelope.type, topic, allowed)
    if envelope.schema_version != kind.version:
        raise ContractError(f"{envelope.type} is written at version {kind.version} only")
    if not isinstance(envelope.payload, kind.model):
        raise ContractError(f"{envelope.type} needs a {kind.model.__name__} payload")
    return envelope.model_dump_json().encode("utf-8")


def decode(topic: str, raw: bytes) -> Envelope[Any]:
    """Validate raw bytes from ``topic`` into a typed envelope, upcasting older versions."""
    allowed = _allowed_on(topic)
    if raw is None:
        raise ContractError(f"a tombstone (no value) is not a message on {topic}")
    try:
        data = from_json(raw)
    except (ValueError, RecursionError) as error:
        raise ContractError(f"invalid JSON on {topic}: {error}") from None
    if not isinstance(data, dict):
        raise ContractError(f"a message on {topic} must be a JSON object")
    name = data.get("type")
    if not isinstance(name, str):
        raise ContractError("message has no string 'type'")
    kind = message_type(name)
    _check_allowed(name, topic, allowed)
    version = data.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ContractError(f"{name}: schema_version must be a positive integer")
    if version > kind.version:
        raise ContractError(
            f"{name} schema version {version} is newer than supported ({kind.version})"
        )
    if version < kind.version:
        raw = _upcast(kind, data, version)
    try:
        return kind.envelope_model.model_validate_json(raw)
    except ValidationError as error:
        raise ContractError(f"invalid {name}: {describe(error)}") from None


def _upcast(kind: MessageType, data: dict[str, Any], version: int) -> bytes:
    payload = data.get("payload")
    if not isinstance(payload, dict):
        raise ContractError(f"invalid {kind.name}: payload must be an object")
    try:
        for step in range(version, kind.version):
            payload = kind.upcasters[step](payload)
        upgraded = {**data, "payload": payload, "schema_version": kind.version}
        return json.dumps(upgraded).encode("utf-8")
    except Exception as error:  # upcasters read untrusted input; any failure is a bad message
        raise ContractError(
            f"cannot upcast {kind.name} from version {version}: {type(error).__name__}"
        ) from None
