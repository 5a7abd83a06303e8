"""Every message type round-trips, and bad input is refused with a readable ContractError."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from pydantic import TypeAdapter, ValidationError

from contracts import (
    MESSAGE_TYPES,
    TOPIC_CONTRACTS,
    ContractError,
    Currency,
    Envelope,
    InvoiceOverdue,
    Rate,
    decode,
    encode,
    new_message,
)

CASE = "100/AAA/252005046/2025"
SETTLEMENT = "INTRUM/S-2025-0042"
AT = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
COMMAND_ID = UUID("6d3c2f3e-51c7-4f0e-9a37-3f1c0d3c9b11")

DEBTOR: dict[str, Any] = {
    "name": "Ola Nordmann AS",
    "org_no": "912345678",
    "private": False,
    "address": {"line1": "Storgata 1", "postcode": "0155", "city": "Oslo", "country": "NO"},
    "email": "faktura@nordmann.example",
    "collection_blocked": False,
}
INVOICE = {"company": "100", "division": "AAA", "invoice": "252005046", "year": 2025}

OVERDUE: dict[str, Any] = {
    **INVOICE,
    "customer": "C10042",
    "invoice_date": date(2025, 1, 10),
    "due_date": date(2025, 2, 9),
    "amount": "4046.00",
    "open_amount": "4046.00",
    "currency": "NOK",
    "kid": "2520050465",
    "reminders_sent": 2,
    "last_reminder_date": date(2025, 3, 1),
    "debtor": DEBTOR,
}

LINE = {"case_no": "IN-778812", "case_id": CASE, "principal": "4046.00", "interest": "147.16",
        "fee_vat_base": "900.00", "fee_vat": "225.00", "payout": "3968.16"}
DETAILS = [
    {"type": "INV", "amount": "4046.00", "invoice": "252005046", "year": 2025, "kid": "2520050465"},
    {"type": "INTEREST", "amount": "147.16"},
    {"type": "FEEVAT", "amount": "-225.00"},
    {"type": "VATBASE", "amount": "-900.00"},
    {"type": "VATBASEO", "amount": "900.00"},
]
JOURNAL = [
    {"account": "2902", "debit": "3968.16", "text": "payout"},
    {"account": "1500", "credit": "4046.00"},
    {"account": "8055", "credit": "147.16"},
    {"account": "2710", "debit": "225.00"},
    {"account": "9000", "debit": "900.00"},
    {"account": "9001", "credit": "900.00"},
]


def _sample(type_: str, payload: dict[str, Any], **routing: Any) -> Callable[[], Envelope]:
    return lambda: new_message(type_, payload, source="test", occurred_at=AT, **routing)


SAMPLES: dict[str, Callable[[], Envelope]] = {
    "ledger.invoice_overdue": _sample("ledger.invoice_overdue", OVERDUE),
    "m3.posting_booked": _sample("m3.posting_booked", {
        **INVOICE, "kind": "payment", "amount": "1000.00", "function": "AB10-001",
        "booking_date": date(2025, 3, 20), "open_amount_after": "3046.00", "currency": "NOK",
        "posting_id": "FSLEDG-100-AAA-4711"}),
    "partner.registration_accepted": _sample("partner.registration_accepted", {
        "partner": "INTRUM", "case_no": "IN-778812", "our_reference": CASE, "at": AT}),
    "partner.registration_rejected": _sample("partner.registration_rejected", {
        "partner": "INTRUM", "reason": "debtor deceased", "at": AT}, case_id=CASE),
    "partner.status_changed": _sample("partner.status_changed", {
        "partner": "INTRUM", "case_no": "IN-778812", "status": "dispute",
        "raw_status": "INNSIGELSE", "raw_sub_status": "07", "at": AT}, case_id=CASE),
    "partner.settlement_received": _sample("partner.settlement_received", {
        "partner": "INTRUM", "settlement_id": SETTLEMENT, "settlement_date": date(2025, 4, 1),
        "currency": "NOK", "lines": [LINE, {"case_no": "IN-1", "rounding": "-0.01"}]}),
    "settlement.line_submitted": _sample("settlement.line_submitted", {
        "settlement_id": SETTLEMENT, "partner": "INTRUM", "settlement_date": date(2025, 4, 1),
        "line_no": 1, "line_count": 2, "line": LINE, "currency": "NOK"}),
    "settlement.expected": _sample("settlement.expected", {
        "settlement_id": SETTLEMENT, "partner": "INTRUM", "line_count": 2, "currency": "NOK",
        "settlement_date": date(2025, 4, 1)}),
    "settlement.line_decided": _sample("settlement.line_decided", {
        "settlement_id": SETTLEMENT, "line_no": 1, "case_id": CASE, "division": "AAA",
        "accepted": True, "payout": "3968.16", "details": DETAILS, "journal": JOURNAL}),
    "case.invoice_skipped": _sample("case.invoice_skipped", {
        "rule": "credit_item", "reason": "open amount is negative"}, case_id=CASE),
    "case.invoice_deferred": _sample("case.invoice_deferred", {
        "rule": "min_days_overdue", "reason": "14 days after due date", "until": date(2025, 2, 23),
        "waits_for": "date"}, case_id=CASE),
    "case.handed_over": _sample("case.handed_over", {
        "partner": "INTRUM", "division": "AAA", "customer": "C10042", "amount": "4046.00",
        "open_amount": "4046.00", "currency": "NOK", "business_date": date(2025, 3, 14),
        "due_date": date(2025, 1, 24)}, case_id=CASE),
    "case.registration_accepted": _sample("case.registration_accepted", {
        "partner": "INTRUM", "case_no": "IN-778812"}, case_id=CASE),
    "case.registration_rejected": _sample("case.registration_rejected", {
        "partner": "INTRUM", "reason": "debtor deceased"}, case_id=CASE),
    "case.status_changed": _sample("case.status_changed", {
        "partner": "INTRUM", "case_no": "IN-778812", "status": "dispute", "code": 4,
        "raw_status": "INNSIGELSE", "partner_time": AT, "business_date": date(2025, 3, 14)},
        case_id=CASE),
    "case.status_ignored": _sample("case.status_ignored", {
        "status": "collection", "partner_time": AT - timedelta(days=1),
        "reason": "older than latest"}, case_id=CASE),
    "case.posting_recorded": _sample("case.posting_recorded", {
        "kind": "credit", "amount": "46.00", "function": "AR10-100", "open_amount_after": "4000.00",
        "posting_id": "P-1", "booking_date": date(2025, 3, 20), "forwarded": "held",
        "reason": "no receipt yet"}, case_id=CASE),
    "case.payment_forwarded": _sample("case.payment_forwarded", {
        "kind": "credit", "amount": "46.00", "posting_id": "P-1"}, case_id=CASE),
    "case.close_requested": _sample("case.close_requested", {
        "partner": "INTRUM", "reason": "paid in full directly"}, case_id=CASE),
    "case.settlement_line_accepted": _sample("case.settlement_line_accepted", {
        "settlement_id": SETTLEMENT, "principal": "4046.00", "payout": "3968.16",
        "open_amount_after": "0.00"}, case_id=CASE),
    "case.settlement_discrepancy": _sample("case.settlement_discrepancy", {
        "settlement_id": SETTLEMENT, "reason": "fee VAT is not 25 % of its base"}, case_id=CASE),
    "case.statement_posted": _sample("case.statement_posted", {
        "settlement_id": SETTLEMENT, "division": "AAA", "journal": JOURNAL}, case_id=CASE),
    "case.command_failed": _sample("case.command_failed", {
        "command_type": "m3.set_reminder_stop", "command_id": COMMAND_ID,
        "reason": "XtendM3 transaction missing"}, case_id=CASE),
    "partner.register_case": _sample("partner.register_case", {
        "partner": "INTRUM", "our_reference": CASE, "partner_customer_no": "K84307",
        "customer": "C10042", "debtor": DEBTOR, "invoice": "252005046",
        "invoice_date": date(2025, 1, 10), "due_date": date(2025, 2, 9),
        "original_amount": "4046.00", "open_amount": "4046.00", "currency": "NOK",
        "kid": "2520050465", "reminders_sent": 2, "last_reminder_date": date(2025, 3, 1)}),
    "partner.forward_payment": _sample("partner.forward_payment", {
        "partner": "INTRUM", "our_reference": CASE, "case_no": None, "kind": "payment",
        "amount": "1000.00", "posting_id": "FSLEDG-100-AAA-4711",
        "booking_date": date(2025, 3, 20)}),
    "partner.request_close": _sample("partner.request_close", {
        "partner": "INTRUM", "our_reference": CASE, "case_no": "IN-778812", "reason": "paid"}),
    "m3.set_reminder_stop": _sample("m3.set_reminder_stop", {
        **INVOICE, "code": 1, "stopped_by": "INTRUM", "stop_date": date(2025, 3, 14)}),
    "m3.set_case_info": _sample("m3.set_case_info", {
        **INVOICE, "add": {"998": "IN-778812", "999": "IN-778812"}, "remove": []}),
    "m3.post_statement": _sample("m3.post_statement", {
        "company": "100", "division": "AAA", "partner": "INTRUM", "settlement_id": SETTLEMENT,
        "statement_date": date(2025, 4, 1), "currency": "NOK",
        "lines": [{"case_id": CASE, "amount": "3968.16", "details": DETAILS}], "journal": JOURNAL}),
    "m3.command_outcome": _sample("m3.command_outcome", {
        "command_id": COMMAND_ID, "command_type": "m3.post_statement", "ok": True,
        "references": {"JBNO": "123", "JBDT": "20250401"}}, key=SETTLEMENT),
    "case.recheck_due": _sample("case.recheck_due", {
        "trigger": "clock", "business_date": date(2025, 3, 14), "config_version": 3}, case_id=CASE),
    "partner.feed_read_requested": _sample("partner.feed_read_requested", {
        "partner": "INTRUM", "request_id": "r-1", "origin": "webhook"}),
    "config.entity_set": _sample("config.entity_set", {
        "kind": "partner", "entity_id": "INTRUM", "value": {"name": "Intrum", "rules": ["CR1"]}}),
    "config.entity_changed": _sample("config.entity_changed", {
        "kind": "partner", "entity_id": "INTRUM", "actor": "kari", "at": AT, "before": None,
        "after": {"name": "Intrum"}}),
    "clock.business_date_set": _sample("clock.business_date_set", {
        "business_date": date(2025, 3, 14)}),
    "dead_letter": _sample("dead_letter", {
        "source_topic": "ledger.overdue", "partition": 3, "offset": 17, "key": CASE,
        "error": "invalid JSON", "raw_base64": "e30=", "raw_length": 2,
        "raw_sha256": "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
        "truncated": False, "failed_at": AT}),
}


def topic_of(type_: str) -> str:
    return next(t for t, types in sorted(TOPIC_CONTRACTS.items()) if type_ in types)


def envelope_dict(type_: str) -> dict[str, Any]:
    return json.loads(encode(topic_of(type_), SAMPLES[type_]()))


def raw(data: dict[str, Any]) -> bytes:
    return json.dumps(data).encode()


def rejection(topic: str, data: dict[str, Any] | bytes) -> str:
    with pytest.raises(ContractError) as caught:
        decode(topic, data if isinstance(data, bytes) else raw(data))
    return str(caught.value)


def test_samples_cover_every_message_type() -> None:
    assert set(SAMPLES) == set(MESSAGE_TYPES)


@pytest.mark.parametrize("type_", sorted(SAMPLES))
def test_every_message_type_round_trips_through_json(type_: str) -> None:
    envelope = SAMPLES[type_]()
    topic = topic_of(type_)
    decoded = decode(topic, encode(topic, envelope))
    assert decoded == envelope
    assert isinstance(decoded.payload, MESSAGE_TYPES[type_].model)
    assert decode(topic, encode(topic, decoded)) == decoded


@pytest.mark.parametrize("type_", sorted(SAMPLES))
def test_python_dicts_with_date_objects_validate_too(type_: str) -> None:
    envelope = SAMPLES[type_]()
    rebuilt = MESSAGE_TYPES[type_].envelope_model.model_validate(envelope.model_dump())
    assert rebuilt == envelope


def test_money_is_written_as_a_two_decimal_string() -> None:
    data = envelope_dict("case.settlement_line_accepted")
    assert data["payload"]["open_amount_after"] == "0.00"
    assert data["payload"]["principal"] == "4046.00"
    line = envelope_dict("partner.settlement_received")["payload"]["lines"][1]
    assert (line["principal"], line["rounding"], line["payout"]) == ("0.00", "-0.01", None)


def test_routing_is_taken_from_the_payload_when_not_given() -> None:
    assert SAMPLES["ledger.invoice_overdue"]().case_id == CASE
    assert SAMPLES["partner.register_case"]().case_id == CASE
    assert SAMPLES["settlement.line_submitted"]().case_id == CASE
    assert SAMPLES["settlement.line_decided"]().key == SETTLEMENT
    assert SAMPLES["config.entity_set"]().key == "partner/INTRUM"
    assert SAMPLES["clock.business_date_set"]().key == "clock"


def test_a_message_without_routing_is_refused() -> None:
    with pytest.raises(ContractError, match="case_id or key"):
        new_message("case.invoice_skipped", {"rule": "r", "reason": "x"}, source="test")


def test_negative_invoice_amounts_are_valid_input() -> None:
    credit_item = {**OVERDUE, "amount": "-100.00", "open_amount": "-100.00"}
    credit = new_message("ledger.invoice_overdue", credit_item, source="t")
    assert credit.payload.open_amount == Decimal("-100.00")


# ---- rejections -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (4046.0, "not a float"),
        ("NaN", "not NaN or Infinity"),
        ("Infinity", "not NaN or Infinity"),
        ("-inf", "not NaN or Infinity"),
        ("1.001", "more than 2 decimals"),
        ("-5.00", "must not be negative"),
        (True, "not a boolean"),
        ("4 046,00", 'decimal string like "4046.00"'),
        ("1e3", 'decimal string like "4046.00"'),
        ("1" * 16, "too large"),
    ],
)
def test_invalid_money_is_rejected_with_the_field_named(value: Any, problem: str) -> None:
    data = envelope_dict("m3.posting_booked")
    data["payload"]["amount"] = value
    message = rejection("m3.payments", data)
    assert "payload.amount" in message
    assert problem in message


def test_money_rejection_in_python_too() -> None:
    with pytest.raises(ContractError, match="not a float"):
        new_message("ledger.invoice_overdue", {**OVERDUE, "amount": 4046.0}, source="t")
    with pytest.raises(ContractError, match=r"more than 2 decimals"):
        new_message("ledger.invoice_overdue", {**OVERDUE, "amount": Decimal("0.001")}, source="t")
    with pytest.raises(ContractError, match="not NaN"):
        new_message("ledger.invoice_overdue", {**OVERDUE, "amount": Decimal("NaN")}, source="t")


def test_missing_field_is_named() -> None:
    data = envelope_dict("ledger.invoice_overdue")
    del data["payload"]["debtor"]["address"]["city"]
    message = rejection("ledger.overdue", data)
    assert "payload.debtor.address.city: Field required" in message


def test_extra_field_is_named() -> None:
    data = envelope_dict("case.handed_over")
    data["payload"]["debtor_name"] = "Ola"
    assert "payload.debtor_name: Extra inputs are not permitted" in rejection("case.events", data)
    data = envelope_dict("case.handed_over")
    data["headers"] = {}
    assert "headers: Extra inputs are not permitted" in rejection("case.events", data)


def test_strict_types_do_not_coerce_strings() -> None:
    data = envelope_dict("ledger.invoice_overdue")
    data["payload"]["reminders_sent"] = "2"
    assert "payload.reminders_sent" in rejection("ledger.overdue", data)
    with pytest.raises(ContractError, match="invoice_date"):
        new_message("ledger.invoice_overdue", {**OVERDUE, "invoice_date": "2025-01-10"}, source="t")


def test_unknown_message_type() -> None:
    data = envelope_dict("case.handed_over")
    data["type"] = "case.handed_back"
    assert "unknown message type 'case.handed_back'" in rejection("case.events", data)


def test_type_not_allowed_on_topic() -> None:
    encoded = encode("case.events", SAMPLES["case.handed_over"]())
    message = rejection("partner.commands", encoded)
    assert "case.handed_over is not allowed on partner.commands" in message
    with pytest.raises(ContractError, match="not allowed on ledger.overdue"):
        encode("ledger.overdue", SAMPLES["case.handed_over"]())


def test_unknown_topic() -> None:
    with pytest.raises(ContractError, match="unknown topic"):
        encode("prod.case.events", SAMPLES["case.handed_over"]())


@pytest.mark.parametrize("raw_value", [b"", b"{", b"\xff\xfe", b"not json", b'{"type": "x",}'])
def test_invalid_json(raw_value: bytes) -> None:
    assert "invalid JSON on case.events" in rejection("case.events", raw_value)


@pytest.mark.parametrize("raw_value", [b"[]", b"42", b'"case"', b"null"])
def test_json_that_is_not_an_object(raw_value: bytes) -> None:
    assert "must be a JSON object" in rejection("case.events", raw_value)


def test_naive_datetime_is_rejected() -> None:
    data = envelope_dict("partner.status_changed")
    data["payload"]["at"] = "2025-03-14T09:30:00"
    assert "payload.at: Input should have timezone info" in rejection("partner.case-status", data)
    data = envelope_dict("partner.status_changed")
    data["occurred_at"] = "2025-03-14T09:30:00"
    assert "occurred_at" in rejection("partner.case-status", data)
    with pytest.raises(ContractError, match="occurred_at"):
        new_message("clock.business_date_set", {"business_date": date(2025, 1, 1)}, source="t",
                    occurred_at=datetime(2025, 1, 1, 8, 0))


def test_aware_datetimes_in_any_zone_are_accepted() -> None:
    oslo = timezone(timedelta(hours=1))
    envelope = new_message("clock.business_date_set", {"business_date": date(2025, 1, 1)},
                           source="t", occurred_at=datetime(2025, 1, 1, 8, 0, tzinfo=oslo))
    decoded = decode("clock", encode("clock", envelope))
    assert decoded.occurred_at == datetime(2025, 1, 1, 7, 0, tzinfo=UTC)


def test_bad_case_id_is_rejected() -> None:
    data = envelope_dict("case.handed_over")
    data["case_id"] = "100/AAA/252005046"
    assert "case_id: String should match pattern" in rejection("case.events", data)


@pytest.mark.parametrize("version", [0, -1, "2", None, True])
def test_bad_schema_version(version: Any) -> None:
    data = envelope_dict("case.handed_over")
    data["schema_version"] = version
    assert "schema_version must be a positive integer" in rejection("case.events", data)


def test_newer_schema_version_than_supported() -> None:
    data = envelope_dict("ledger.invoice_overdue")
    data["schema_version"] = 3
    assert "schema version 3 is newer than supported (2)" in rejection("ledger.overdue", data)


def test_payload_of_the_wrong_type_for_the_envelope() -> None:
    envelope = SAMPLES["case.handed_over"]()
    with pytest.raises(ContractError, match="needs a HandedOver payload"):
        wrong = SAMPLES["case.close_requested"]().payload
        new_message("case.handed_over", wrong, source="t", case_id=CASE)
    with pytest.raises(ValueError, match="payload is a case.handed_over"):
        Envelope(**{**dict(envelope), "type": "case.close_requested"})


def test_error_messages_do_not_echo_personal_data() -> None:
    data = envelope_dict("partner.register_case")
    data["payload"]["debtor"]["email"] = "not-an-email ola.nordmann"
    data["payload"]["debtor"]["national_id"] = 12345678901
    message = rejection("partner.commands", data)
    assert "payload.debtor.email" in message and "payload.debtor.national_id" in message
    assert "ola.nordmann" not in message and "12345678901" not in message


# ---- upcasting ------------------------------------------------------------------------------


def test_version_1_invoice_overdue_is_upcast_to_version_2() -> None:
    data = envelope_dict("ledger.invoice_overdue")
    payload = data["payload"]
    payload["reminders"] = payload.pop("reminders_sent")
    del payload["disputed"]
    data["schema_version"] = 1
    decoded = decode("ledger.overdue", raw(data))
    assert decoded.schema_version == 2
    assert isinstance(decoded.payload, InvoiceOverdue)
    assert decoded.payload.reminders_sent == 2
    assert decoded.payload.disputed is False
    current = SAMPLES["ledger.invoice_overdue"]()
    same_ids = {"event_id": decoded.event_id, "recorded_at": decoded.recorded_at}
    assert decoded == current.model_copy(update=same_ids)


def test_a_version_1_payload_that_is_still_invalid_is_rejected() -> None:
    data = envelope_dict("ledger.invoice_overdue")
    data["schema_version"] = 1
    data["payload"]["reminders"] = "two"
    message = rejection("ledger.overdue", data)
    assert "payload.reminders" in message or "payload.reminders_sent" in message


def test_upcast_of_a_non_object_payload_is_a_contract_error() -> None:
    data = envelope_dict("ledger.invoice_overdue")
    data["schema_version"] = 1
    data["payload"] = [1, 2]
    assert "payload must be an object" in rejection("ledger.overdue", data)


def test_a_version_1_handed_over_from_the_log_is_read_with_its_due_date_unknown() -> None:
    data = envelope_dict("case.handed_over")
    del data["payload"]["due_date"]
    data["schema_version"] = 1
    decoded = decode("case.events", raw(data))
    assert decoded.schema_version == 2 and decoded.payload.due_date is None
    assert decoded.payload.open_amount == Decimal("4046.00")


def test_producers_write_the_current_version_only() -> None:
    old = SAMPLES["ledger.invoice_overdue"]().model_copy(update={"schema_version": 1})
    with pytest.raises(ContractError, match="version 2 only"):
        encode("ledger.overdue", old)


# ---- rates and currencies -------------------------------------------------------------------


def test_rate_is_an_exact_percentage() -> None:
    rate = TypeAdapter(Rate)
    assert rate.validate_python("25") == Decimal("25")
    assert rate.validate_python("12.50") == Decimal("12.5")
    assert rate.dump_json(Decimal("12.50")) == b'"12.5"'
    assert rate.dump_json(Decimal("100")) == b'"100"'
    for bad, problem in [(25.0, "not a float"), ("-1", "between 0 and 100"),
                         ("12.00001", "more than 4 decimals"), (True, "not a boolean")]:
        with pytest.raises(ValidationError, match=problem):
            rate.validate_python(bad)
    currency = TypeAdapter(Currency)
    assert currency.validate_python("NOK") == "NOK"
    for bad in ["nok", "NO", "NOKK"]:
        with pytest.raises(ValidationError):
            currency.validate_python(bad)
