"""The registry matches topics.yaml; ids, keys, dead letters, schemas and business invariants."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, get_args, get_origin
from uuid import UUID, uuid4

import pytest
import yaml
from pydantic import BaseModel, ValidationError

from contracts import (
    MAX_RAW_BYTES,
    MESSAGE_TYPES,
    TOPIC_CONTRACTS,
    CaseStatusChanged,
    ContractError,
    InvoiceDeferred,
    JournalLine,
    SetCaseInfo,
    SetReminderStop,
    StatementPosted,
    SettlementLineDecided,
    case_id,
    dead_letter_from,
    decode,
    derived_event_id,
    encode,
    export_json_schemas,
    message_key,
    new_message,
    parse_case_id,
    settlement_id,
)
from contracts.case_events import CASE_EVENT_PAYLOADS

TOPICS_YAML = Path(__file__).resolve().parents[2] / "topics.yaml"
CASE = "100/AAA/252005046/2025"
INVOICE = {"company": "100", "division": "AAA", "invoice": "252005046", "year": 2025}


def declared_contracts() -> dict[str, frozenset[str]]:
    topics = yaml.safe_load(TOPICS_YAML.read_text(encoding="utf-8"))["topics"]
    return {name: frozenset(spec["contracts"]) for name, spec in topics.items()}


# ---- topics.yaml drift ---------------------------------------------------------------------


def test_every_topic_in_topics_yaml_is_registered_with_the_same_types() -> None:
    declared = declared_contracts()
    assert set(declared) - set(TOPIC_CONTRACTS) == set(), "topics missing from the registry"
    for topic, types in declared.items():
        assert TOPIC_CONTRACTS[topic] == types, topic


def test_every_registered_topic_is_in_topics_yaml() -> None:
    extra = set(TOPIC_CONTRACTS) - set(declared_contracts())
    assert extra == set(), "registry topics not in topics.yaml"


def test_every_message_type_has_a_topic_and_every_topic_type_a_model() -> None:
    on_topics = set().union(*TOPIC_CONTRACTS.values())
    assert on_topics == set(MESSAGE_TYPES)
    for name, kind in MESSAGE_TYPES.items():
        assert kind.name == name == kind.model.message_type


# ---- ids and keys --------------------------------------------------------------------------


def test_derived_event_ids_are_deterministic_and_distinct_per_purpose() -> None:
    cause = UUID("0b6f8a44-7d0e-4b4c-9f43-2f0ad5c7e001")
    assert derived_event_id(cause, "register") == derived_event_id(cause, "register")
    assert derived_event_id(cause, "register") != derived_event_id(cause, "reminder-stop")
    assert derived_event_id(cause, "register") != derived_event_id(uuid4(), "register")
    with pytest.raises(ValueError):
        derived_event_id(cause, "")


def _overdue_cause() -> Any:
    skipped = {"rule": "r", "reason": "x"}
    return new_message("case.invoice_skipped", skipped, source="t", case_id=CASE)


def test_new_message_from_a_cause_sets_ids_from_the_cause() -> None:
    cause = _overdue_cause()
    payload = {"partner": "INTRUM", "reason": "paid"}
    first = new_message("case.close_requested", payload, source="cp", case_id=CASE,
                        cause=cause, purpose="close")
    again = new_message("case.close_requested", payload, source="cp", case_id=CASE,
                        cause=cause, purpose="close")
    assert first.event_id == again.event_id == derived_event_id(cause.event_id, "close")
    assert first.causation_id == cause.event_id
    assert first.correlation_id == cause.event_id
    grandchild = new_message("case.close_requested", payload, source="cp", case_id=CASE,
                             cause=first, purpose="again")
    assert grandchild.correlation_id == cause.event_id
    assert grandchild.causation_id == first.event_id


def test_cause_and_purpose_come_together() -> None:
    cause = _overdue_cause()
    payload = {"partner": "INTRUM", "reason": "paid"}
    with pytest.raises(ContractError, match="cause and purpose"):
        new_message("case.close_requested", payload, source="cp", case_id=CASE, cause=cause)
    with pytest.raises(ContractError, match="cause and purpose"):
        new_message("case.close_requested", payload, source="cp", case_id=CASE, purpose="close")
    with pytest.raises(ContractError, match="derived event id"):
        new_message("case.close_requested", payload, source="cp", case_id=CASE, cause=cause,
                    purpose="close", event_id=uuid4())


def test_message_key_prefers_the_explicit_key() -> None:
    assert message_key(_overdue_cause()) == CASE.encode()
    decided = new_message("settlement.line_decided", {
        "settlement_id": "INTRUM/S1", "line_no": 1, "case_id": CASE, "division": "AAA",
        "accepted": False, "reason": "principal exceeds open amount"}, source="cp", case_id=CASE)
    assert message_key(decided) == b"INTRUM/S1"
    letter = dead_letter_from("clock", 0, 5, None, b"x", "bad")
    unkeyed = new_message("dead_letter", letter, source="t")
    assert message_key(unkeyed) is None


def test_case_id_helpers() -> None:
    assert case_id("100", "AAA", "252005046", 2025) == CASE
    key = parse_case_id(CASE)
    assert key == ("100", "AAA", "252005046", 2025) and key.year == 2025
    assert case_id(*key) == CASE
    bad_parts = [("1/0", "A", "1", 2025), ("100", "", "1", 2025), ("100", "A", "1 2", 2025),
                 ("1", "A", "1", 25)]
    for bad in bad_parts:
        with pytest.raises(ValueError):
            case_id(*bad)
    for text in ["100/AAA/1", "100/AAA/1/25", "100//1/2025", "100/AAA/1/2025/x", " 100/AAA/1/2025"]:
        with pytest.raises(ValueError):
            parse_case_id(text)
    assert settlement_id("INTRUM", "S-1") == "INTRUM/S-1"
    with pytest.raises(ValueError):
        settlement_id("IN/TRUM", "S-1")


# ---- dead letters --------------------------------------------------------------------------


def test_dead_letter_keeps_small_values_whole() -> None:
    value = b'{"type": 1}'
    letter = dead_letter_from("ledger.overdue", 2, 99, b"100/AAA/1/2025", value, ValueError("bad"))
    assert letter.raw() == b'{"type": 1}'
    assert (letter.raw_length, letter.truncated, letter.error) == (11, False, "bad")
    assert letter.raw_sha256 == hashlib.sha256(b'{"type": 1}').hexdigest()
    envelope = new_message("dead_letter", letter, source="case-processor")
    assert message_key(envelope) == b"100/AAA/1/2025"
    assert decode("ledger.overdue.dlq", encode("ledger.overdue.dlq", envelope)) == envelope


def test_dead_letter_truncates_above_64_kib_but_keeps_length_and_hash() -> None:
    value = bytes(range(256)) * 1000
    letter = dead_letter_from("m3.payments", 0, 1, b"\xff\xfekey", value, "too big")
    assert letter.truncated is True
    assert letter.raw() == value[:MAX_RAW_BYTES] and len(letter.raw()) == 64 * 1024
    assert letter.raw_length == len(value)
    assert letter.raw_sha256 == hashlib.sha256(value).hexdigest()
    assert letter.key == "\ufffd\ufffdkey"
    exactly = dead_letter_from("m3.payments", 0, 1, None, b"a" * MAX_RAW_BYTES, "x")
    assert exactly.truncated is False
    assert base64.b64decode(exactly.raw_base64) == b"a" * MAX_RAW_BYTES


def test_dead_letter_of_a_tombstone_and_a_long_error() -> None:
    letter = dead_letter_from("config", 0, 3, b"partner/X", None, "e" * 10_000,
                              failed_at=datetime(2025, 1, 1, tzinfo=UTC))
    assert letter.raw_length == 0 and letter.raw() == b""
    assert len(letter.error) <= 4000


# ---- JSON schema export --------------------------------------------------------------------


def test_export_json_schemas_writes_one_file_per_type_and_the_envelope(tmp_path: Path) -> None:
    written = export_json_schemas(tmp_path / "schemas")
    names = {p.name for p in written}
    assert names == {f"{t}.schema.json" for t in MESSAGE_TYPES} | {"envelope.schema.json"}
    for path in written:
        schema = json.loads(path.read_text(encoding="utf-8"))
        assert "properties" in schema and "payload" in schema["properties"]
    overdue = json.loads((tmp_path / "schemas" / "ledger.invoice_overdue.schema.json").read_text())
    assert overdue["properties"]["type"] == {"const": "ledger.invoice_overdue", "title": "Type"}
    assert overdue["properties"]["schema_version"]["const"] == 2
    assert "reminders_sent" in overdue["$defs"]["InvoiceOverdue"]["properties"]


# ---- personal data stays off case.events ---------------------------------------------------

PERSONAL = {"name", "national_id", "org_no", "email", "phone", "address", "debtor"}


def _field_names(model: type[BaseModel]) -> set[str]:
    names: set[str] = set()
    for name, info in model.model_fields.items():
        names.add(name)
        stack = [info.annotation]
        while stack:
            tp = stack.pop()
            if isinstance(tp, type) and issubclass(tp, BaseModel):
                names |= _field_names(tp)
            stack.extend(get_args(tp))
            if get_origin(tp) is not None:
                stack.append(get_origin(tp))
    return names


@pytest.mark.parametrize("model", CASE_EVENT_PAYLOADS, ids=lambda m: m.message_type)
def test_case_events_carry_no_personal_data(model: type[BaseModel]) -> None:
    assert _field_names(model) & PERSONAL == set()


def test_the_personal_data_check_would_notice_a_debtor() -> None:
    assert "email" in _field_names(MESSAGE_TYPES["partner.register_case"].model)


# ---- business invariants the contracts enforce ---------------------------------------------


def test_journal_lines_must_balance() -> None:
    unbalanced = [{"account": "2902", "debit": "10.00"}, {"account": "1500", "credit": "9.99"}]
    with pytest.raises(ValidationError, match="does not balance"):
        StatementPosted(settlement_id="INTRUM/S1", division="AAA", journal=unbalanced)
    with pytest.raises(ValidationError, match="at least one line"):
        StatementPosted(settlement_id="INTRUM/S1", division="AAA", journal=[])
    with pytest.raises(ValidationError, match="either a debit or a credit"):
        JournalLine(account="1500", debit="1.00", credit="1.00")


def test_accepted_settlement_line_details_must_add_up_to_the_payout() -> None:
    base: dict[str, Any] = {
        "settlement_id": "INTRUM/S1", "line_no": 1, "case_id": CASE, "division": "AAA"}
    details = [{"type": "INV", "amount": "100.00", "invoice": "1", "year": 2025},
               {"type": "VATBASE", "amount": "-8.00"}, {"type": "VATBASEO", "amount": "8.00"}]
    journal = [{"account": "2902", "debit": "100.00"}, {"account": "1500", "credit": "100.00"}]
    accepted = {"accepted": True, "details": details, "journal": journal}
    ok = SettlementLineDecided(**base, **accepted, payout="100.00")
    assert ok.payout == 100
    with pytest.raises(ValidationError, match="add up to 100.00, not the line amount 90.00"):
        SettlementLineDecided(**base, **accepted, payout="90.00")
    with pytest.raises(ValidationError, match="rejected line needs a reason"):
        SettlementLineDecided(**base, accepted=False)
    with pytest.raises(ValidationError, match="INV detail needs the invoice"):
        SettlementLineDecided(**base, accepted=True, payout="100.00", journal=journal,
                              details=[{"type": "INV", "amount": "100.00"}])


def test_reminder_stop_and_case_info_rules() -> None:
    SetReminderStop(**INVOICE, code=0)
    with pytest.raises(ValidationError, match="code 0 lifts the stop"):
        SetReminderStop(**INVOICE, code=0, stopped_by="INTRUM", stop_date=date(2025, 1, 1))
    with pytest.raises(ValidationError, match="needs stopped_by and stop_date"):
        SetReminderStop(**INVOICE, code=2)
    with pytest.raises(ValidationError, match="999"):
        SetCaseInfo(**INVOICE, remove=["998", "999"])
    with pytest.raises(ValidationError, match="nothing to add or remove"):
        SetCaseInfo(**INVOICE)
    with pytest.raises(ValidationError, match="add"):
        SetCaseInfo(**INVOICE, add={"996": "x"})


def test_status_code_must_match_the_status() -> None:
    with pytest.raises(ValidationError, match="status legal maps to code 6"):
        CaseStatusChanged(partner="INTRUM", case_no="1", status="legal", code=3, raw_status="L",
                          partner_time=datetime(2025, 1, 1, tzinfo=UTC),
                          business_date=date(2025, 1, 1))


def test_deferral_until_only_when_waiting_for_a_date() -> None:
    InvoiceDeferred(rule="division_paused", reason="paused", waits_for="unpause")
    with pytest.raises(ValidationError, match="until is required"):
        InvoiceDeferred(rule="min_days", reason="too early", waits_for="date")


def test_settlement_id_must_belong_to_the_partner() -> None:
    with pytest.raises(ContractError, match="must start with the partner id"):
        new_message("settlement.expected", {"settlement_id": "SVEA/S1", "partner": "INTRUM",
                                            "line_count": 1, "currency": "NOK",
                                            "settlement_date": date(2026, 3, 11)}, source="t")


def test_contracts_are_frozen() -> None:
    envelope = _overdue_cause()
    with pytest.raises(ValidationError):
        envelope.source = "someone else"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        envelope.payload.reason = "changed"  # type: ignore[misc]


def test_a_tombstone_is_a_contract_error() -> None:
    with pytest.raises(ContractError, match="tombstone"):
        decode("ledger.overdue", None)  # type: ignore[arg-type]
