"""Contracts of the Debt Collection Service: every message, its envelope and the topic registry.

Producers build messages with ``new_message`` and write ``encode(topic, envelope)`` under
``message_key(envelope)``; consumers call ``decode(topic, raw)`` and send a ``ContractError`` to
the topic's dead-letter queue with ``dead_letter_from``. Topic names are the logical names of
``topics.yaml`` (without a deployment prefix).
"""

from contracts.case_events import (
    CaseRegistrationAccepted,
    CaseRegistrationRejected,
    CaseStatusChanged,
    CloseRequested,
    CommandFailed,
    HandedOver,
    InvoiceDeferred,
    InvoiceSkipped,
    PaymentForwarded,
    PostingRecorded,
    SettlementDiscrepancy,
    SettlementLineAccepted,
    StatementPosted,
    StatusIgnored,
)
from contracts.clock import BusinessDateSet
from contracts.config_entities import ConfigEntityChanged, ConfigEntitySet, entity_key
from contracts.dead_letter import MAX_RAW_BYTES, DeadLetter, dead_letter_from
from contracts.debtor import Address, Debtor
from contracts.envelope import Envelope, derived_event_id
from contracts.feed_reads import FeedReadRequested
from contracts.errors import ContractError
from contracts.identity import (
    CaseId,
    InvoiceKey,
    SettlementId,
    case_id,
    parse_case_id,
    settlement_id,
)
from contracts.json_schema import export_json_schemas
from contracts.ledger import InvoiceOverdue
from contracts.m3_commands import PostStatement, SetCaseInfo, SetReminderStop
from contracts.m3_outcomes import CommandOutcome
from contracts.money import Amount, Currency, Rate, SignedAmount
from contracts.partner_commands import ForwardPayment, RegisterCase, RequestClose
from contracts.partner_status import (
    REMINDER_STOP_CODES,
    PartnerRegistrationAccepted,
    PartnerRegistrationRejected,
    PartnerStatus,
    PartnerStatusChanged,
)
from contracts.postings import PostingBooked
from contracts.rechecks import RecheckDue
from contracts.registry import (
    MESSAGE_TYPES,
    TOPIC_CONTRACTS,
    MessageType,
    decode,
    encode,
    message_key,
    new_message,
)
from contracts.remittance import SettlementLine, SettlementReceived
from contracts.settlement import SettlementExpected, SettlementLineDecided, SettlementLineSubmitted
from contracts.statement import JournalLine, StatementDetail, StatementLine

__all__ = [
    "MAX_RAW_BYTES",
    "MESSAGE_TYPES",
    "REMINDER_STOP_CODES",
    "TOPIC_CONTRACTS",
    "Address",
    "Amount",
    "BusinessDateSet",
    "CaseId",
    "CaseRegistrationAccepted",
    "CaseRegistrationRejected",
    "CaseStatusChanged",
    "CloseRequested",
    "CommandFailed",
    "CommandOutcome",
    "ConfigEntityChanged",
    "ConfigEntitySet",
    "ContractError",
    "Currency",
    "DeadLetter",
    "Debtor",
    "Envelope",
    "FeedReadRequested",
    "ForwardPayment",
    "HandedOver",
    "InvoiceDeferred",
    "InvoiceKey",
    "InvoiceOverdue",
    "InvoiceSkipped",
    "JournalLine",
    "MessageType",
    "PartnerRegistrationAccepted",
    "PartnerRegistrationRejected",
    "PartnerStatus",
    "PartnerStatusChanged",
    "PaymentForwarded",
    "PostStatement",
    "PostingBooked",
    "RecheckDue",
    "PostingRecorded",
    "Rate",
    "RegisterCase",
    "RequestClose",
    "SetCaseInfo",
    "SetReminderStop",
    "SettlementDiscrepancy",
    "SettlementExpected",
    "SettlementId",
    "SettlementLine",
    "SettlementLineAccepted",
    "SettlementLineDecided",
    "SettlementLineSubmitted",
    "SettlementReceived",
    "SignedAmount",
    "StatementDetail",
    "StatementLine",
    "StatementPosted",
    "StatusIgnored",
    "case_id",
    "dead_letter_from",
    "decode",
    "derived_event_id",
    "encode",
    "entity_key",
    "export_json_schemas",
    "message_key",
    "new_message",
    "parse_case_id",
    "settlement_id",
]
