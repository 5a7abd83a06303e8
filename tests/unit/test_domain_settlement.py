"""Settlement accounting (DOMAIN §2.4): the worked example to the øre, and the invariants."""

from __future__ import annotations

import dataclasses
from decimal import ROUND_HALF_UP
from decimal import Decimal as D

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from workers.domain.configuration import AccountMapping
from workers.domain.journal import JournalLine, is_balanced, journal
from workers.domain.settlement import Accepted, Discrepancy, settle_line
from workers.domain.settlement_line import SettlementLine, computed_payout, validate_line
from workers.domain.statement import Detail, line_amount, statement_details

ACCOUNTS = AccountMapping(
    clearing="2902", receivable="1500", interest="8055", input_vat="2710", vat_base="9000",
    vat_base_offset="9001", kickback="3900", commission="7790", rounding="7795", other="7799",
)
WORKED = SettlementLine(
    principal=D("4046.00"), interest=D("147.16"), fee_vat_base=D("900.00"), fee_vat=D("225.00")
)


def settle(line: SettlementLine, open_amount=D("4046.00"), vat_rate=D("25"), tolerance=D("0.05")):
    return settle_line(
        line, open_amount=open_amount, vat_rate=vat_rate, tolerance=tolerance, accounts=ACCOUNTS,
        invoice="252005046", year=2025, kid="2520050465", text="S-1 13563917",
    )


def postings(lines: list[JournalLine]) -> list[tuple[str, str, str]]:
    return [(j.account, str(j.debit), str(j.credit)) for j in lines]


def test_the_worked_example_exactly():
    result = settle(WORKED)
    assert isinstance(result, Accepted)
    assert str(result.payout) == "3968.16"
    assert postings(list(result.journal)) == [
        ("2902", "3968.16", "0.00"),
        ("1500", "0.00", "4046.00"),
        ("8055", "0.00", "147.16"),
        ("2710", "225.00", "0.00"),
        ("9000", "900.00", "0.00"),
        ("9001", "0.00", "900.00"),
    ]
    assert sum(j.debit for j in result.journal) == sum(j.credit for j in result.journal) == D("5093.16")
    assert [(d.type, str(d.amount)) for d in result.details] == [
        ("INV", "4046.00"),
        ("INTEREST", "147.16"),
        ("FEEVAT", "-225.00"),
        ("VATBASE", "-900.00"),
        ("VATBASEO", "900.00"),
    ]
    assert result.details[0] == Detail("INV", D("4046.00"), "252005046", 2025, "2520050465")
    assert all(d.invoice is None for d in result.details[1:])
    assert result.open_amount_after == D("0.00")


def test_the_installation_rest_of_minus_77_84():
    """The installation's rest after INV: INTEREST + the VAT its VATBASE code generates."""
    rest = sum(d.amount for d in settle(WORKED).details if d.type != "INV" and not d.memo)
    assert rest == D("-77.84")


def test_the_scenario_example():
    line = dataclasses.replace(WORKED, principal=D("3896.00"), payout=D("3818.16"))
    result = settle(line, open_amount=D("3896.00"))
    assert isinstance(result, Accepted)
    assert result.payout == D("3818.16")
    assert postings(list(result.journal))[:2] == [("2902", "3818.16", "0.00"), ("1500", "0.00", "3896.00")]
    assert sum(j.debit for j in result.journal) == D("4943.16")
    assert result.open_amount_after == D("0.00")


def test_every_component_has_its_detail_and_side():
    line = SettlementLine(
        principal=D("100.00"), interest=D("10.00"), kickback=D("5.00"), commission=D("20.00"),
        fee_vat_base=D("80.00"), fee_vat=D("20.00"), rounding=D("-0.02"), other=D("3.00"),
    )
    assert computed_payout(line) == D("77.98")
    details = statement_details(line, "1", 2025, None)
    assert [(d.type, d.amount) for d in details] == [
        ("INV", D("100.00")), ("INTEREST", D("10.00")), ("KICKBACK", D("5.00")),
        ("COMMISSION", D("-20.00")), ("FEEVAT", D("-20.00")), ("VATBASE", D("-80.00")),
        ("VATBASEO", D("80.00")), ("ROUNDING", D("-0.02")), ("OTHER", D("3.00")),
    ]
    lines = journal(line, computed_payout(line), ACCOUNTS, "t")
    assert postings(lines) == [
        ("2902", "77.98", "0.00"), ("1500", "0.00", "100.00"), ("8055", "0.00", "10.00"),
        ("3900", "0.00", "5.00"), ("7790", "20.00", "0.00"), ("2710", "20.00", "0.00"),
        ("9000", "80.00", "0.00"), ("9001", "0.00", "80.00"), ("7795", "0.02", "0.00"),
        ("7799", "0.00", "3.00"),
    ]
    assert is_balanced(lines)
    assert all(j.text == "t" for j in lines)


def test_zero_components_are_left_out():
    details = statement_details(SettlementLine(principal=D("50.00")), "1", 2025, None)
    assert [d.type for d in details] == ["INV"]


def test_a_payout_the_details_do_not_explain_does_not_balance():
    assert not is_balanced(journal(WORKED, D("3968.17"), ACCOUNTS, "t"))


def test_a_payout_within_tolerance_is_the_line_amount_and_the_difference_is_rounding():
    result = settle(dataclasses.replace(WORKED, payout=D("3968.19")))
    assert isinstance(result, Accepted)
    assert result.payout == D("3968.19")
    assert result.line.rounding == D("0.03")
    assert ("ROUNDING", D("0.03")) in [(d.type, d.amount) for d in result.details]
    assert ("7795", "0.00", "0.03") in postings(list(result.journal))
    assert is_balanced(list(result.journal))


@pytest.mark.parametrize(
    ("changes", "open_amount", "fragment"),
    [
        ({"fee_vat": D("225.02")}, D("4046.00"), "fee VAT 225.02 is not 25 %"),
        ({"fee_vat": D("224.98")}, D("4046.00"), "fee VAT"),
        ({"payout": D("3968.22")}, D("4046.00"), "rounding tolerance"),
        ({"payout": D("3968.10")}, D("4046.00"), "rounding tolerance"),
        ({}, D("4045.99"), "exceeds the open amount 4045.99"),
        ({}, D("0.00"), "exceeds the open amount"),
        ({"interest": D("-1.00")}, D("4046.00"), "interest is negative"),
        ({"commission": D("-1.00")}, D("4046.00"), "commission is negative"),
        ({"principal": D("1.005")}, D("4046.00"), "principal has more than two decimals"),
    ],
)
def test_discrepancies(changes, open_amount, fragment):
    result = settle(dataclasses.replace(WORKED, **changes), open_amount=open_amount)
    assert isinstance(result, Discrepancy)
    assert any(fragment in reason for reason in result.reasons), result.reasons


@pytest.mark.parametrize(
    "changes", [{"fee_vat": D("225.01")}, {"fee_vat": D("224.99")}, {"payout": D("3968.21")},
                {"payout": D("3968.11")}, {"rounding": D("-5.00"), "other": D("-7.00")}]
)
def test_within_tolerances_is_accepted(changes):
    assert isinstance(settle(dataclasses.replace(WORKED, **changes)), Accepted)


def test_all_reasons_are_given_at_once():
    line = dataclasses.replace(WORKED, fee_vat=D("300.00"), payout=D("1.00"))
    assert len(settle(line, open_amount=D("100.00")).reasons) == 3


@pytest.mark.parametrize(("fee_vat", "ok"), [("225.00", True), ("225.02", True), ("225.03", False)])
def test_vat_is_compared_with_the_rounded_expected_amount(fee_vat, ok):
    line = SettlementLine(principal=D("0"), fee_vat_base=D("900.03"), fee_vat=D(fee_vat))
    assert (validate_line(line, D("0"), D("25"), D("0.05")) == []) == ok


def test_partly_settled_leaves_the_rest_open():
    result = settle(dataclasses.replace(WORKED, principal=D("1000.00")))
    assert result.open_amount_after == D("3046.00")


cents = st.integers(0, 10_000_000).map(lambda c: D(c).scaleb(-2))
signed_cents = st.integers(-100_000, 100_000).map(lambda c: D(c).scaleb(-2))
rates = st.sampled_from([D("0"), D("10"), D("14"), D("15"), D("24"), D("25"), D("25.5")])


@st.composite
def valid_lines(draw):
    rate = draw(rates)
    base = draw(cents)
    partner_rounding = draw(st.sampled_from([D("-0.01"), D("0"), D("0.01")]))
    vat = (base * rate / 100).quantize(D("0.01"), rounding=ROUND_HALF_UP) + partner_rounding
    assume(vat >= 0)
    line = SettlementLine(
        principal=draw(cents), interest=draw(cents), kickback=draw(cents), commission=draw(cents),
        fee_vat_base=base, fee_vat=vat, rounding=draw(signed_cents), other=draw(signed_cents),
    )
    if draw(st.booleans()):
        offset = D(draw(st.integers(-5, 5))).scaleb(-2)
        line = dataclasses.replace(line, payout=computed_payout(line) + offset)
    open_amount = line.principal + draw(cents)
    return line, open_amount, rate


@given(valid_lines())
def test_property_valid_lines_book_balanced(case):
    line, open_amount, rate = case
    result = settle(line, open_amount=open_amount, vat_rate=rate)
    assert isinstance(result, Accepted), getattr(result, "reasons", None)
    assert sum(j.debit for j in result.journal) - sum(j.credit for j in result.journal) == D("0.00")
    assert all(j.debit >= 0 and j.credit >= 0 and (j.debit == 0 or j.credit == 0) for j in result.journal)
    assert line_amount(list(result.details)) == result.payout
    assert sum(d.amount for d in result.details if d.memo) == 0
    booked = result.line
    assert result.payout == (
        booked.principal + booked.interest + booked.kickback - booked.commission - booked.fee_vat
        + booked.rounding + booked.other
    )
    if line.payout is not None:
        assert result.payout == line.payout
    else:
        assert booked == line
    assert result.open_amount_after == open_amount - line.principal >= 0
    assert all(d.amount != 0 for d in result.details)
    assert all(j.debit.as_tuple().exponent == -2 for j in result.journal)


@given(valid_lines(), st.integers(2, 10_000).map(lambda c: D(c).scaleb(-2)), st.booleans())
def test_property_vat_off_by_more_than_a_cent_is_caught(case, error, up):
    line, open_amount, rate = case
    expected = (line.fee_vat_base * rate / 100).quantize(D("0.01"), rounding=ROUND_HALF_UP)
    wrong = expected + error if up else expected - error
    assume(wrong >= 0)
    bad = dataclasses.replace(line, fee_vat=wrong, payout=None)
    reasons = validate_line(bad, open_amount, rate, D("0.05"))
    assert any("fee VAT" in r for r in reasons)


@given(valid_lines(), st.integers(6, 100_000).map(lambda c: D(c).scaleb(-2)), st.booleans())
def test_property_payout_outside_tolerance_is_caught(case, error, up):
    line, open_amount, rate = case
    payout = computed_payout(line) + (error if up else -error)
    reasons = validate_line(dataclasses.replace(line, payout=payout), open_amount, rate, D("0.05"))
    assert any("rounding tolerance" in r for r in reasons)


@given(valid_lines(), st.integers(1, 100_000).map(lambda c: D(c).scaleb(-2)))
def test_property_open_amount_never_goes_below_zero(case, excess):
    line, _, rate = case
    result = settle(line, open_amount=line.principal - excess, vat_rate=rate)
    assert isinstance(result, Discrepancy)
    assert any("exceeds the open amount" in r for r in result.reasons)
