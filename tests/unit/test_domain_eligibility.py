"""Eligibility (DOMAIN §2.1 step 2): each rule alone, their precedence, deferral dates."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workers.domain.configuration import Configuration, load_configuration, merge_change
from workers.domain.eligibility import Defer, Eligible, OverdueInvoice, Skip, check_eligibility

ACCOUNTS = {
    k: str(9000 + i)
    for i, k in enumerate(
        "clearing receivable interest input_vat vat_base vat_base_offset kickback commission "
        "rounding other".split()
    )
}
LINK = {"partner": "INTRUM", "partner_customer_no": "K84307", "country": "NO", "currency": "NOK",
        "vat_rate": "25"}
CONFIG = {
    "company": "100",
    "reminder_rules": {"CR1": {"reminders_required": 2}, "CR2": {"reminders_required": 3}},
    "partners": {
        "INTRUM": {"name": "Intrum", "transport": "rest", "reminder_rules": ["CR1"],
                   "min_days_overdue": 14, "min_amount": "30.00"},
        "SVEA": {"name": "Svea", "transport": "rest", "reminder_rules": ["CR1", "CR2"],
                 "min_days_overdue": {"private": 14, "business": 10}, "min_amount": "0"},
    },
    "divisions": {
        "001": {"name": "Firma 1", **LINK},
        "002": {"name": "Firma 2", **LINK, "paused": True},
        "FI1": {"name": "Oy", **LINK, "partner": "SVEA", "country": "FI", "currency": "EUR"},
    },
    "blocking_collection_codes": [3, 5],
    "accounts": {"*": ACCOUNTS},
}
CFG = load_configuration(CONFIG)
TODAY = date(2026, 2, 20)
DUE = date(2025, 12, 24)

INVOICE = OverdueInvoice(
    company="100", division="001", invoice="252005046", year=2025, customer="100002",
    due_date=DUE, amount=Decimal("4046.00"), open_amount=Decimal("4046.00"), currency="NOK",
    reminder_rule=None, customer_reminder_rule="CR1", collection_code=0,
    customer_collection_blocked=False, private=False,
)


def check(invoice=INVOICE, cfg: Configuration = CFG, today=TODAY, history="none", **changes):
    return check_eligibility(dataclasses.replace(invoice, **changes), cfg, today, history)


def test_the_worked_example_is_eligible():
    decision = check()
    assert decision == Eligible("INTRUM", CFG.divisions["001"])
    assert INVOICE.case_id == "100/001/252005046/2025"


SKIPS = [
    ("already_active", {"history": "active"}),
    ("handed_over_before", {"history": "closed"}),
    ("handed_over_before", {"history": "rejected"}),
    ("other_company", {"company": "200"}),
    ("division_unlinked", {"division": "009"}),
    ("credit_item", {"amount": Decimal("-100.00"), "open_amount": Decimal("-100.00")}),
    ("not_open", {"open_amount": Decimal("0.00")}),
    ("not_open", {"open_amount": Decimal("-5.00")}),
    ("customer_blocked", {"customer_collection_blocked": True}),
    ("invoice_blocked", {"collection_code": 3}),
    ("invoice_blocked", {"collection_code": 5}),
    ("reminder_rule", {"reminder_rule": "CR2"}),
    ("reminder_rule", {"customer_reminder_rule": "CR2"}),
    ("reminder_rule", {"customer_reminder_rule": None}),
    ("below_minimum", {"open_amount": Decimal("29.99")}),
]


@pytest.mark.parametrize(("rule", "changes"), SKIPS, ids=[f"{r}-{i}" for i, (r, _) in enumerate(SKIPS)])
def test_each_rule_alone_skips(rule, changes):
    decision = check(**changes)
    assert isinstance(decision, Skip)
    assert decision.rule == rule
    assert decision.reason


@pytest.mark.parametrize(
    "changes",
    [
        {"collection_code": 2},
        {"open_amount": Decimal("30.00")},
        {"open_amount": Decimal("100.00")},
        {"reminder_rule": "CR1", "customer_reminder_rule": "CR2"},
    ],
    ids=["unblocking code", "exactly the minimum", "partly paid", "invoice rule wins"],
)
def test_near_misses_are_eligible(changes):
    assert isinstance(check(**changes), Eligible)


def test_paused_division_waits_for_unpause():
    decision = check(division="002")
    assert decision == Defer("division_paused", decision.reason, None, "unpause")
    unpaused = load_configuration(merge_change(CONFIG, {"divisions": {"002": {"paused": False}}}))
    assert isinstance(check(division="002", cfg=unpaused), Eligible)


def test_too_early_waits_until_due_date_plus_minimum_days():
    decision = check(due_date=date(2026, 2, 10))
    assert decision == Defer("too_early", decision.reason, date(2026, 2, 24), "date")
    assert "2026-02-24" in decision.reason


def test_boundary_exactly_fourteen_days_is_eligible():
    assert isinstance(check(due_date=TODAY - timedelta(days=14)), Eligible)
    one_short = check(due_date=TODAY - timedelta(days=13))
    assert isinstance(one_short, Defer) and one_short.until == TODAY + timedelta(days=1)


def test_a_deferred_invoice_is_eligible_on_its_date():
    deferred = check(due_date=date(2026, 2, 10))
    assert isinstance(check(due_date=date(2026, 2, 10), today=deferred.until), Eligible)


@pytest.mark.parametrize(("private", "days"), [(True, 14), (False, 10)])
def test_private_and_business_minimum_days(private, days):
    due = TODAY - timedelta(days=days)
    assert isinstance(check(division="FI1", private=private, due_date=due), Eligible)
    early = check(division="FI1", private=private, due_date=due + timedelta(days=1))
    assert isinstance(early, Defer) and early.until == TODAY + timedelta(days=1)
    assert ("private" if private else "business") in early.reason


PRECEDENCE = [
    ("already_active", {"history": "active", "collection_code": 3, "division": "002"}),
    ("handed_over_before", {"history": "closed", "division": "009"}),
    ("division_unlinked", {"division": "009", "amount": Decimal("-1"), "open_amount": Decimal("-1")}),
    ("credit_item", {"amount": Decimal("-1"), "open_amount": Decimal("-1"), "collection_code": 3}),
    ("not_open", {"open_amount": Decimal("0"), "customer_collection_blocked": True}),
    ("customer_blocked", {"customer_collection_blocked": True, "collection_code": 3}),
    ("invoice_blocked", {"collection_code": 3, "reminder_rule": "CR2"}),
    ("reminder_rule", {"reminder_rule": "CR2", "open_amount": Decimal("1.00")}),
    ("below_minimum", {"open_amount": Decimal("1.00"), "division": "002"}),
    ("below_minimum", {"open_amount": Decimal("1.00"), "due_date": TODAY}),
    ("customer_blocked", {"customer_collection_blocked": True, "division": "002", "due_date": TODAY}),
    ("division_paused", {"division": "002", "due_date": TODAY}),
]


@pytest.mark.parametrize(("rule", "changes"), PRECEDENCE, ids=[r for r, _ in PRECEDENCE])
def test_precedence_when_several_rules_fail(rule, changes):
    assert check(**changes).rule == rule


def test_deferral_only_when_otherwise_eligible():
    assert isinstance(check(division="002", due_date=TODAY), Defer)
    assert isinstance(check(division="002", due_date=TODAY, collection_code=3), Skip)


KNOWN_SKIPS = {
    "already_active", "handed_over_before", "other_company", "division_unlinked", "credit_item",
    "not_open", "customer_blocked", "invoice_blocked", "reminder_rule", "below_minimum",
}
amounts = st.integers(-100_000, 1_000_000).map(lambda c: Decimal(c).scaleb(-2))
invoices = st.builds(
    OverdueInvoice,
    company=st.sampled_from(["100", "200"]),
    division=st.sampled_from(["001", "002", "FI1", "009"]),
    invoice=st.just("1"),
    year=st.just(2025),
    customer=st.just("C"),
    due_date=st.dates(date(2025, 10, 1), date(2026, 3, 31)),
    amount=amounts,
    open_amount=amounts,
    currency=st.just("NOK"),
    reminder_rule=st.sampled_from([None, "CR1", "CR2", "CR9"]),
    customer_reminder_rule=st.sampled_from([None, "CR1", "CR2"]),
    collection_code=st.integers(0, 9),
    customer_collection_blocked=st.booleans(),
    private=st.booleans(),
)
histories = st.sampled_from(["none", "active", "closed", "rejected"])


def _every_rule_holds(invoice: OverdueInvoice, today: date, history: str) -> bool:
    link = CFG.divisions.get(invoice.division)
    if link is None:
        return False
    partner = CFG.partners[link.partner]
    return (
        history == "none"
        and invoice.company == CFG.company
        and not link.paused
        and (invoice.reminder_rule or invoice.customer_reminder_rule) in partner.reminder_rules
        and not invoice.customer_collection_blocked
        and invoice.collection_code not in CFG.blocking_collection_codes
        and invoice.amount >= 0
        and invoice.open_amount > 0
        and invoice.open_amount >= partner.min_amount
        and today >= invoice.due_date + timedelta(days=partner.min_days(invoice.private))
    )


@given(invoices, st.dates(date(2025, 12, 1), date(2026, 6, 30)), histories)
def test_property_one_decision_and_eligible_means_every_rule_holds(invoice, today, history):
    decision = check_eligibility(invoice, CFG, today, history)
    assert sum(isinstance(decision, kind) for kind in (Eligible, Skip, Defer)) == 1
    assert isinstance(decision, Eligible) == _every_rule_holds(invoice, today, history)
    if isinstance(decision, Eligible):
        assert decision.division_link == CFG.divisions[invoice.division]
    elif isinstance(decision, Skip):
        assert decision.rule in KNOWN_SKIPS and decision.reason
    else:
        assert (decision.rule, decision.waits_for) in {("division_paused", "unpause"), ("too_early", "date")}
        if decision.waits_for == "date":
            assert decision.until > today
            partner = CFG.partners[CFG.divisions[invoice.division].partner]
            assert decision.until == invoice.due_date + timedelta(days=partner.min_days(invoice.private))
            later = check_eligibility(invoice, CFG, decision.until, history)
            assert isinstance(later, Eligible)


@given(invoices, st.dates(date(2025, 12, 1), date(2026, 6, 30)))
def test_property_history_decides_first(invoice, today):
    assert check_eligibility(invoice, CFG, today, "active").rule == "already_active"
    assert check_eligibility(invoice, CFG, today, "closed").rule == "handed_over_before"
