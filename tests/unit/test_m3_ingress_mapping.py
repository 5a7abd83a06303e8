"""The one FSLEDG → contract mapping of the M3 ingress, and the deterministic ids of its messages."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest

from contracts import InvoiceOverdue, PostingBooked, decode, encode
from workers.adapters.m3 import Address, Customer, ledger_record_from_fields
from workers.m3_ingress.event_ids import INGRESS_NAMESPACE, overdue_event_id, posting_event_id
from workers.m3_ingress.fsledg_mapping import (
    Ignored,
    UnmappableRecord,
    customer_needed,
    debtor_of,
    ledger_message,
)
from workers.m3_ingress.messages import message_for

THRESHOLDS = {"CR1": 2, "CR3": 3}
CASE = "100/001/252005046/2025"


def row(**changes: str) -> dict[str, str]:
    fields = {
        "CONO": "100", "DIVI": "001", "PYNO": "100002", "CUNO": "100002", "CINO": "252005046", "INYR": "2025",
        "TRCD": "10", "IVDT": "20251210", "DUDT": "20251224", "ACDT": "20251210", "CUAM": "4046.00",
        "CUCD": "NOK", "OCUA": "4046.00", "RMBL": "0", "BLBY": "", "BLDT": "0", "RMQT": "2",
        "LRDT": "20260121", "CLCD": "0", "RMCT": "CR1", "PYRF": "2520050465", "YEA4": "2025", "JRNO": "17",
        "JSNO": "1", "FEID": "", "FNCN": "",
    }
    fields.update(changes)
    return fields


def record(**changes: str):
    return ledger_record_from_fields(row(**changes))


def customer(*, rule: str = "CR1", private: bool = False, national_id: str = "", lines=("Storgata 1",),
             email: str = "post@kunde.example") -> Customer:
    return Customer(customer_no="100002", name="Kunde AS", org_no="" if private else "923609016",
                    national_id=national_id, private=private, address=Address(tuple(lines), "0155", "Oslo", "NO"),
                    email=email, phone="", reminder_rule=rule, collection_blocked=False)


def mapped(rec, cust=None, thresholds=THRESHOLDS, company="100"):
    return ledger_message(rec, company=company, thresholds=thresholds, customer=cust)


def test_invoice_at_its_rules_threshold_becomes_overdue_with_the_debtor_from_crs610() -> None:
    overdue = mapped(record(), customer())
    assert isinstance(overdue, InvoiceOverdue)
    assert overdue.default_case_id() == CASE
    assert (overdue.amount, overdue.open_amount, overdue.currency) == (Decimal("4046.00"), Decimal("4046.00"), "NOK")
    assert (overdue.reminders_sent, overdue.last_reminder_date, overdue.reminder_rule) == (2, date(2026, 1, 21), "CR1")
    assert (overdue.invoice_date, overdue.due_date) == (date(2025, 12, 10), date(2025, 12, 24))
    assert overdue.kid == "2520050465"
    assert overdue.debtor.name == "Kunde AS" and overdue.debtor.org_no == "923609016"
    assert overdue.debtor.address.line1 == "Storgata 1" and overdue.debtor.address.country == "NO"
    assert overdue.debtor.national_id is None and not overdue.debtor.private


def test_below_the_threshold_is_ignored_with_the_reason_and_needs_no_customer() -> None:
    early = record(RMQT="1")
    assert not customer_needed(early, THRESHOLDS)
    ignored = mapped(early)
    assert isinstance(ignored, Ignored) and ignored.case_id == CASE
    assert ignored.reason == "1 of the 2 reminders rule CR1 requires"


def test_the_invoices_own_rule_wins_over_the_customers() -> None:
    own = record(RMCT="CR3")
    assert isinstance(mapped(own, customer(rule="CR1")), Ignored)
    third = mapped(record(RMCT="CR3", RMQT="3"), customer(rule="CR1"))
    assert isinstance(third, InvoiceOverdue) and third.reminder_rule == "CR3"


def test_without_an_own_rule_the_customers_rule_applies() -> None:
    bare = record(RMCT="")
    assert customer_needed(bare, THRESHOLDS)
    assert mapped(bare, customer(rule="CR1")).reminder_rule == "CR1"
    assert mapped(bare, customer(rule="CR3")).reason == "2 of the 3 reminders rule CR3 requires"
    assert mapped(bare, customer(rule="")).reason.startswith("no reminder rule")


def test_fewer_reminders_than_any_rule_needs_no_customer_call() -> None:
    none_yet = record(RMCT="", RMQT="0")
    assert not customer_needed(none_yet, THRESHOLDS)
    assert mapped(none_yet).reason == "0 reminders, fewer than any reminder rule requires (2)"


def test_unknown_rule_and_unknown_transaction_code_are_ignored() -> None:
    assert mapped(record(RMCT="CR9", RMQT="5"), customer()).reason == "reminder rule CR9 is not in the configuration"
    other = mapped(record(TRCD="40"))
    assert isinstance(other, Ignored) and "transaction code 40" in other.reason


def test_credit_item_with_negative_amounts_is_valid_overdue_input() -> None:
    credit_item = mapped(record(CUAM="-500.00", OCUA="-500.00"), customer())
    assert isinstance(credit_item, InvoiceOverdue)
    assert credit_item.amount == Decimal("-500.00") and credit_item.open_amount == Decimal("-500.00")


def test_private_debtor_keeps_national_id_business_debtor_does_not() -> None:
    person = mapped(record(), customer(private=True, national_id="01017012345", lines=("Gata 2", "Leil 3")))
    assert person.debtor.private and person.debtor.national_id == "01017012345" and person.debtor.org_no is None
    assert person.debtor.address.line2 == "Leil 3"
    business = debtor_of(customer(private=False, national_id="01017012345"))
    assert business["national_id"] is None


def test_company_comes_from_the_row_else_the_configuration() -> None:
    assert mapped(record(CONO=""), customer(), company="200").company == "200"
    assert mapped(record(), customer(), company="200").company == "100"


def test_payment_and_credit_rows_become_postings_with_m3s_open_amount_after() -> None:
    payment = mapped(record(TRCD="20", CUAM="-100.00", OCUA="3946.00", ACDT="20260301", FEID="AB10", FNCN="001",
                            YEA4="2026", JRNO="42", JSNO="1"))
    assert isinstance(payment, PostingBooked) and payment.kind == "payment"
    assert (payment.amount, payment.open_amount_after) == (Decimal("100.00"), Decimal("3946.00"))
    assert (payment.function, payment.posting_id) == ("AB10-001", "001/2026/42/1")
    assert payment.booking_date == date(2026, 3, 1)
    credit = mapped(record(TRCD="30", CUAM="-46.00", OCUA="0.00", FEID="AR10", FNCN="100"))
    assert isinstance(credit, PostingBooked) and credit.kind == "credit" and credit.amount == Decimal("46.00")


def test_rows_the_contract_cannot_hold_name_the_field() -> None:
    with pytest.raises(UnmappableRecord, match="FEID"):
        mapped(record(TRCD="20", FEID=""))
    with pytest.raises(UnmappableRecord, match="DUDT"):
        mapped(record(DUDT="0"), customer())
    with pytest.raises(UnmappableRecord, match=r"debtor\.address\.line1"):
        mapped(record(), customer(lines=()))
    with pytest.raises(UnmappableRecord, match="customer"):
        mapped(record())


def test_event_ids_follow_the_documented_formulas() -> None:
    overdue = mapped(record(), customer())
    topic, envelope = message_for(overdue)
    assert topic == "ledger.overdue" and envelope.case_id == CASE
    assert envelope.event_id == overdue_event_id(CASE, 2, date(2026, 1, 21))
    assert envelope.event_id == uuid.uuid5(INGRESS_NAMESPACE, f"{CASE}|overdue|2|2026-01-21")
    posting = mapped(record(TRCD="20", CUAM="-100.00", OCUA="3946.00", FEID="AB10", FNCN="001", JRNO="42"))
    topic, envelope = message_for(posting)
    assert topic == "m3.payments"
    assert envelope.event_id == posting_event_id("100", "001/2025/42/1")
    assert envelope.event_id == uuid.uuid5(INGRESS_NAMESPACE, "100|posting|001/2025/42/1")


def test_the_same_row_twice_is_the_same_message_and_a_new_reminder_is_a_new_one() -> None:
    _, first = message_for(mapped(record(), customer()))
    _, again = message_for(mapped(record(), customer()))
    assert first.model_dump(exclude={"recorded_at"}) == again.model_dump(exclude={"recorded_at"})
    _, third = message_for(mapped(record(RMQT="3", LRDT="20260205"), customer()))
    assert third.event_id != first.event_id
    assert decode("ledger.overdue", encode("ledger.overdue", first)).event_id == first.event_id
