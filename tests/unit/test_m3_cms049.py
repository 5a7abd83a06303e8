"""CMS049 FSLEDG events and MI LstInvByDivi rows become the same LedgerRecord."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.m3.cms049 import fsledg_event
from sandbox.m3.fsledg import invoice_row, posting_row
from sandbox.m3.ledger import Customer, Invoice, Voucher
from workers.adapters.m3 import LedgerRecord, TransactionCodes, ledger_record_from_fields, parse_cms049, parse_cms049_event

RECORDED = {
    "publisher": "M3", "document": "FSLEDG", "operation": "CREATE", "eventId": "0b6f3f5e-6f55-4a0c-9d3e-2f1c1b7c9a10",
    "timestamp": "2026-03-01T09:12:44.120Z", "tenant": "ACME_PRD", "subscription": "DCS_FSLEDG", "message": "payment",
    "fields": {"ESCONO": "100", "ESDIVI": "001", "ESPYNO": "100002", "ESCUNO": "100002", "ESCINO": "252005046",
               "ESINYR": "2025", "ESTRCD": "20", "ESIVDT": "20251210", "ESDUDT": "20251224", "ESACDT": "20260301",
               "ESCUAM": "-100.00", "ESCUCD": "NOK", "ESOCUA": "3946.00", "ESRMBL": "3", "ESBLBY": "INTRUM",
               "ESBLDT": "20260221", "ESRMQT": "2", "ESLRDT": "20260121", "ESCLCD": "0", "ESRMCT": "CR1",
               "ESPYRF": "2520050465", "ESYEA4": "2026", "ESJRNO": "812", "ESJSNO": "1", "ESFEID": "AB10",
               "ESFNCN": "001", "ESVSER": "B", "ESLMDT": "20260301"},
    "someVendorExtension": {"ignored": True},
}


def test_recorded_payment_event_is_parsed() -> None:
    event = parse_cms049_event(json.dumps(RECORDED).encode())
    r = event.record
    assert (r.division, r.invoice, r.year, r.customer, r.payer) == ("001", "252005046", 2025, "100002", "100002")
    assert (r.amount, r.open_amount, r.currency) == (Decimal("-100.00"), Decimal("3946.00"), "NOK")
    assert (r.function, r.posting_id, r.kid) == ("AB10-001", "001/2026/812/1", "2520050465")
    assert (r.accounting_date, r.due_date, r.last_reminder_date) == (date(2026, 3, 1), date(2025, 12, 24), date(2026, 1, 21))
    assert (r.reminder_stop, r.stopped_by, r.stop_date) == (3, "INTRUM", date(2026, 2, 21))
    assert TransactionCodes().kind(r) == "payment" and r.case_id() == "100/001/252005046/2025"
    assert event.operation == "CREATE" and event.message == "payment"


def test_fields_without_prefix_or_as_name_value_list_are_accepted() -> None:
    plain = {**RECORDED, "fields": {k[2:]: v for k, v in RECORDED["fields"].items()}}
    listed = {**RECORDED, "fields": [{"name": k, "value": v} for k, v in RECORDED["fields"].items()]}
    assert parse_cms049(plain) == parse_cms049(listed) == parse_cms049(RECORDED)


def test_missing_and_malformed_fields_are_all_named() -> None:
    fields = {k: v for k, v in RECORDED["fields"].items() if k not in ("ESCINO", "ESOCUA")}
    fields.update({"ESDUDT": "2025-12-24", "ESCUAM": "12,50", "ESRMQT": "two"})
    with pytest.raises(ValueError) as err:
        parse_cms049({**RECORDED, "fields": fields})
    message = str(err.value)
    for reason in ("missing CINO", "missing OCUA", "DUDT '2025-12-24' is not a YYYYMMDD date",
                   "CUAM '12,50' is not a decimal amount", "RMQT 'two' is not a whole number"):
        assert reason in message
    assert message.startswith("CMS049 FSLEDG event: ")


@pytest.mark.parametrize("body, reason", [
    (b"not json", "not JSON"),
    ("[1, 2]", "must be a JSON object"),
    ({**RECORDED, "document": "OCUSMA"}, "document must be FSLEDG, got OCUSMA"),
    ({k: v for k, v in RECORDED.items() if k != "document"}, "got nothing"),
    ({**RECORDED, "fields": "ESCINO=1"}, "fields must be an object"),
    ({**RECORDED, "fields": {}}, "no fields"),
])
def test_events_that_are_not_ledger_events_are_refused(body: object, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_cms049(body)  # type: ignore[arg-type]


def test_empty_dates_and_absent_function_are_none() -> None:
    fields = {**RECORDED["fields"], "ESLRDT": "0", "ESBLDT": "", "ESFEID": "", "ESJRNO": ""}
    r = parse_cms049({**RECORDED, "fields": fields})
    assert (r.last_reminder_date, r.stop_date, r.function, r.posting_id) == (None, None, None, None)


CUSTOMER = Customer("100002", name="Kunde AS", reminder_rule="CR1")
days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))
amounts = st.decimals(min_value=Decimal("-99999.99"), max_value=Decimal("999999.99"), places=2)


@st.composite
def invoices(draw: st.DrawFn) -> Invoice:
    issued = draw(days)
    amount = draw(amounts)
    return Invoice(
        division=draw(st.sampled_from(["001", "002", "AAA"])), customer="100002",
        invoice=str(draw(st.integers(1, 999999999))), year=issued.year, invoice_date=issued,
        due_date=issued + timedelta(days=draw(st.integers(0, 60))), amount=amount,
        open_amount=draw(st.sampled_from([amount, Decimal("0.00")])), currency=draw(st.sampled_from(["NOK", "EUR"])),
        voucher=Voucher(issued.year, draw(st.integers(1, 99999)), 1), kid=draw(st.from_regex(r"[0-9]{0,25}", fullmatch=True)),
        reminders=draw(st.integers(0, 9)), last_reminder=draw(st.none() | days),
        reminder_stop=draw(st.integers(0, 9)), stopped_by=draw(st.sampled_from(["", "INTRUM"])),
        stop_date=draw(st.none() | days), collection_code=draw(st.integers(0, 9)), info={})


@settings(max_examples=60, deadline=None)
@given(invoices())
def test_cms049_event_and_mi_listing_of_the_same_invoice_are_equal(inv: Invoice) -> None:
    row = invoice_row("100", inv, CUSTOMER)
    from_event = parse_cms049(json.dumps(fsledg_event(row, operation="UPDATE", message="overdue", tenant="T")))
    from_poll = ledger_record_from_fields(row)
    assert isinstance(from_event, LedgerRecord) and from_event == from_poll
    assert from_event.open_amount == inv.open_amount and from_event.due_date == inv.due_date


def test_sandbox_posting_row_parses_as_a_payment_under_its_function() -> None:
    inv = Invoice("001", "100002", "252005046", 2025, date(2025, 12, 10), date(2025, 12, 24), Decimal("4046.00"),
                  Decimal("0.00"), "NOK", Voucher(2025, 1, 1), kid="2520050465")
    row = posting_row("100", inv, CUSTOMER, trcd="20", amount=Decimal("4046.00"), function="AB10-900",
                      posted=date(2026, 3, 11), voucher=Voucher(2026, 7, 1))
    r = parse_cms049(fsledg_event(row, operation="CREATE", message="settlement", tenant="T"))
    assert (r.function, r.amount, r.open_amount, r.trcd) == ("AB10-900", Decimal("-4046.00"), Decimal("0.00"), "20")
    assert r.posting_id == "001/2026/7/1" and r.accounting_date == date(2026, 3, 11)
