"""The partner sandbox's own rules, without HTTP: faults, naive mode, validation, secrets."""

from __future__ import annotations

import datetime as dt
import json
import stat
from decimal import Decimal

import pytest

from sandbox.partner.book import Conflict, PartnerBook, Refused
from sandbox.partner.credentials import PartnerSecrets, load_or_create
from sandbox.partner.faults import FaultInjector
from sandbox.partner.feed import page
from sandbox.partner.records import Posting
from sandbox.partner.settings import FaultSettings, ModeSettings
from sandbox.partner.validation import RegistrationIn, parse

NOW = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)


def registration(reference: str = "100/001/1/2025", **invoice: object) -> dict:
    return {
        "reference": reference,
        "creditor_customer_no": "K84307",
        "debtor": {
            "customer_no": "100002",
            "name": "Kunde AS",
            "type": "business",
            "org_no": "923609016",
            "address": {"line1": "Storgata 1", "postcode": "0155", "city": "Oslo", "country": "NO"},
        },
        "invoice": {
            "number": "1",
            "date": "2025-12-10",
            "due_date": "2025-12-24",
            "original_amount": "100.00",
            "open_amount": "100.00",
            "currency": "NOK",
            **invoice,
        },
    }


@pytest.fixture
def notes() -> list[dict]:
    return []


@pytest.fixture
def book(notes) -> PartnerBook:
    return PartnerBook("INTRUM", lambda: NOW, notes.append)


def test_random_faults_repeat_exactly_for_the_same_seed():
    settings = FaultSettings(error_rate=0.3, timeout_rate=0.2)
    injectors = [FaultInjector(settings, seed) for seed in (1, 1, 2)]
    plans = [[faults.plan("register_case") for _ in range(50)] for faults in injectors]
    assert plans[0] == plans[1] and plans[0] != plans[2]
    kinds = {p.kind for p in plans[0]}
    assert kinds == {None, "error", "timeout"}


def test_scripted_faults_fire_first_and_only_for_their_operation():
    settings = FaultSettings.model_validate(
        {"script": [{"operation": "payment", "kind": "timeout", "times": 2}]}
    )
    faults = FaultInjector(settings, seed=0)
    assert faults.plan("register_case").kind is None
    assert [faults.plan("payment").kind for _ in range(3)] == ["timeout", "timeout", None]


def test_outage_windows_are_relative_to_when_the_mode_was_set():
    clock = iter([100.0, 100.5, 102.0]).__next__
    faults = FaultInjector(FaultSettings.model_validate({"outages": [{"start_s": 0, "end_s": 1}]}), 0, clock)
    assert faults.plan("status_changes").status == 503
    assert faults.plan("status_changes").kind is None


def test_mode_refuses_unknown_keys_and_operations():
    with pytest.raises(ValueError, match="typo"):
        ModeSettings().merged({"typo": 1})
    with pytest.raises(ValueError, match="unknown operation"):
        FaultSettings.model_validate({"script": [{"operation": "register", "kind": "error"}]})


def test_naive_book_doubles_and_normal_book_does_not(book):
    first, created = book.register(registration(), naive=False)
    again, created_again = book.register(registration(), naive=False)
    assert created and not created_again and again is first
    _, doubled = book.register(registration(), naive=True)
    assert doubled and len(book.by_reference("100/001/1/2025")) == 2


def test_postings_dedup_on_posting_id_unless_naive(book):
    claim, _ = book.register(registration(), naive=False)
    book.assign_case_no(claim, "1")
    pay = Posting("P1", Decimal("10.00"), None, NOW)
    assert book.add_posting(claim, "payment", pay, naive=False)[1]
    assert not book.add_posting(claim, "payment", pay, naive=False)[1]
    assert book.add_posting(claim, "payment", pay, naive=True)[1]
    assert claim.balance == Decimal("80.00")


def test_credit_notes_must_be_negative_and_closed_cases_refuse_postings(book):
    claim, _ = book.register(registration(), naive=False)
    with pytest.raises(Refused, match="negative"):
        book.add_posting(claim, "credit", Posting("C1", Decimal("5.00"), None, NOW), naive=False)
    book.add_posting(claim, "credit", Posting("C1", Decimal("-5.00"), None, NOW), naive=False)
    assert claim.to_state()["credits"] == ["5.00"]
    book.set_status(claim, "AVSLUTTET_OPPGJORT")
    with pytest.raises(Refused, match="closed"):
        book.add_posting(claim, "payment", Posting("P1", Decimal("1.00"), None, NOW), naive=False)


def test_partner_changes_feed_the_cursor_and_notify(book, notes):
    claim, _ = book.register(registration(), naive=False)
    assert notes == []
    book.assign_case_no(claim, "13563917")
    book.set_status(claim, "INKASSO", "BETALINGSOPPFORDRING")
    events, cursor, more = page(book.events, None, 1)
    assert [e.raw_status for e in events] == ["MOTTATT"] and cursor == "1" and more
    events, cursor, more = page(book.events, cursor, 10)
    assert [e.raw_status for e in events] == ["INKASSO"] and cursor == "2" and not more
    assert [n["type"] for n in notes] == ["case.updated", "case.updated"]


def test_case_numbers_are_unique(book):
    a, _ = book.register(registration("100/001/1/2025"), naive=False)
    b, _ = book.register(registration("100/001/2/2025"), naive=False)
    book.assign_case_no(a, "1")
    with pytest.raises(Conflict):
        book.assign_case_no(b, "1")


def test_settlement_ids_are_unique_unless_naive(book, notes):
    line = {"case_no": "1", "principal": "10.00", "payout": "10.00"}
    book.add_settlement("S-1", NOW.date(), "NOK", [dict(line)], naive=False)
    with pytest.raises(Conflict):
        book.add_settlement("S-1", NOW.date(), "NOK", [dict(line)], naive=False)
    book.add_settlement("S-1", NOW.date(), "NOK", [dict(line)], naive=True)
    assert len(book.settlements) == 2 and notes[-1]["type"] == "settlement.available"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda r: r["debtor"].update(org_no=None), "debtor: org_no is required for business debtors"),
        (lambda r: r["invoice"].update(open_amount=100.0), "invoice.open_amount: must be a decimal string"),
        (
            lambda r: r["invoice"].update(open_amount="100.001"),
            "invoice.open_amount: must be a decimal string",
        ),
        (
            lambda r: r["invoice"].update(due_date="2025-12-01"),
            "invoice: due_date is before the invoice date",
        ),
        (lambda r: r["invoice"].update(open_amount="200.00"), "invoice: open_amount exceeds original_amount"),
        (lambda r: r.update(surplus=1), "surplus: Extra inputs are not permitted"),
    ],
)
def test_registration_validation_reasons(change, reason):
    body = registration()
    change(body)
    parsed, reasons = parse(RegistrationIn, body)
    assert parsed is None and any(r.startswith(reason) for r in reasons), reasons


def test_state_view_hides_national_id_and_email(book):
    body = registration()
    body["debtor"].update(type="private", org_no=None, national_id="01017012345", email="a@b.example")
    parsed, _ = parse(RegistrationIn, body)
    claim, _ = book.register(parsed.model_dump(mode="json"), naive=False)
    shown = json.dumps(claim.to_state())
    assert "01017012345" not in shown and "a@b.example" not in shown
    assert claim.to_state()["registration"]["debtor"]["national_id_given"] is True


def test_secrets_file_is_created_private_and_reused(tmp_path):
    path = tmp_path / "secrets.json"
    created = load_or_create(path, ["INTRUM"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create(path, ["INTRUM"]) == created
    assert created["INTRUM"].client_secret not in repr(created)
    assert load_or_create(None, ["SVEA"])["SVEA"] == PartnerSecrets.development("SVEA")
