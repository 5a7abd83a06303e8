"""The M3 sandbox's pieces without HTTP: MI envelope, ABS911 journal, faults, tokens, loading."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.m3 import loading
from sandbox.m3.faults import FaultInjector, FaultSettings
from sandbox.m3.gl import journal_for
from sandbox.m3.ledger import Statement, StatementDetail, StatementLine
from sandbox.m3.mi import run
from sandbox.m3.state import SandboxState
from sandbox.m3.tokens import TokenStore
from workers.adapters.m3 import line_details

ACCOUNTS = {"*": {"clearing": "2902", "receivable": "1500", "interest": "8055", "input_vat": "2710", "vat_base": "9000",
                  "vat_base_offset": "9001", "kickback": "3900", "commission": "7790", "rounding": "7795", "other": "7799"}}
LOAD = {"customers": [{"customer": "100002", "name": "Kunde AS", "reminder_rule": "CR1"}],
        "invoices": [{"division": "001", "customer": "100002", "invoice": "252005046", "year": 2025,
                      "invoice_date": "2025-12-10", "due_date": "20251224", "amount": "4046.00", "currency": "NOK"}],
        "accounts": ACCOUNTS, "settlement_functions": {"INTRUM": ["AB10-900"]}}


def loaded() -> SandboxState:
    state = SandboxState(fast=True)
    loading.load(state, LOAD)
    return state


def test_mi_envelope_reports_errors_per_transaction_inside_the_body() -> None:
    body = run(loaded(), "EXT100MI", [("LstCaseInfo", {"DIVI": "001", "CINO": "252005046", "INYR": "2025"}),
                                      ("LstCaseInfo", {"DIVI": "001", "CINO": "404", "INYR": "2025"}),
                                      ("NoSuchTx", {})])
    assert (body["nrOfSuccessfullTransactions"], body["nrOfFailedTransactions"], body["wasTerminated"]) == (1, 2, False)
    ok, missing, unknown = body["results"]
    assert ok == {"transaction": "LstCaseInfo", "records": []}
    assert missing["errorCode"] == "XRE0104" and missing["errorField"] == "CINO"
    assert missing["errorMessage"].rstrip() == "Invoice number 404 year 2025 does not exist"
    assert unknown["errorType"] == "TransactionNotFound"


def test_mi_lists_are_capped_by_maxrecs_like_m3() -> None:
    state = loaded()
    loading.load(state, {"invoices": [{**LOAD["invoices"][0], "invoice": str(n)} for n in range(150)]})
    def count(maxrecs: int) -> int:
        return len(run(state, "ARS200MI", [("LstInvByDivi", {"DIVI": "001"})], maxrecs=maxrecs)["results"][0]["records"])
    assert (count(100), count(0), count(5)) == (100, 151, 5)


def statement(*lines: StatementLine) -> Statement:
    st_ = Statement("1", "20260311", "101500", "001", "S1/001", "INTRUM", date(2026, 3, 11), "NOK")
    st_.lines = {line.number: line for line in lines}
    return st_


def sandbox_line(number: int, amount: Decimal, details) -> StatementLine:  # type: ignore[no-untyped-def]
    return StatementLine(number, amount, "100002", details={
        n: StatementDetail(n, d.type, d.amount, d.invoice or "", d.year or 0) for n, d in enumerate(details, 1)})


def test_worked_example_journal_matches_domain() -> None:
    details = line_details(invoice="252005046", year=2025, principal=Decimal("4046.00"), interest=Decimal("147.16"),
                           fee_vat_base=Decimal("900.00"), fee_vat=Decimal("225.00"))
    journal = journal_for(statement(sandbox_line(1, Decimal("3968.16"), details)), ACCOUNTS, "100")
    assert [(j.account, str(j.debit), str(j.credit)) for j in journal] == [
        ("2902", "3968.16", "0"), ("1500", "0", "4046.00"), ("8055", "0", "147.16"),
        ("2710", "225.00", "0"), ("9000", "900.00", "0"), ("9001", "0", "900.00")]
    assert {j.case_id for j in journal} == {"100/001/252005046/2025"}
    assert sum(j.debit for j in journal) == sum(j.credit for j in journal) == Decimal("5093.16")


money = st.decimals(min_value=Decimal("0"), max_value=Decimal("50000"), places=2)
signed = st.decimals(min_value=Decimal("-50"), max_value=Decimal("50"), places=2)


@settings(max_examples=80, deadline=None)
@given(money, money, money, money, money, signed, signed)
def test_any_settlement_line_journal_balances(principal, interest, kickback, commission, base, rounding, other) -> None:  # type: ignore[no-untyped-def]
    fee_vat = (base * Decimal("0.25")).quantize(Decimal("0.01"))
    details = line_details(invoice="1", year=2025, principal=principal, interest=interest, kickback=kickback,
                           commission=commission, fee_vat_base=base, fee_vat=fee_vat, rounding=rounding, other=other)
    payout = principal + interest + kickback - commission - fee_vat + rounding + other
    journal = journal_for(statement(sandbox_line(1, payout, details)), ACCOUNTS, "100")
    net = {}
    for j in journal:
        net[j.account] = net.get(j.account, Decimal(0)) + j.debit - j.credit
    assert sum(net.values()) == 0
    assert net.get("2902", Decimal(0)) == payout and net.get("1500", Decimal(0)) == -principal
    assert net.get("7790", Decimal(0)) == commission and net.get("2710", Decimal(0)) == fee_vat
    assert all(j.debit >= 0 and j.credit >= 0 and (j.debit == 0) != (j.credit == 0) for j in journal)


def decisions(seed: int, n: int = 200) -> list[tuple]:
    injector = FaultInjector(seed, clock=lambda: 0.0)
    injector.configure(FaultSettings(error_rate=0.3, timeout_rate=0.1, errors_in_200_rate=0.1))
    return [(d.outage, d.error_status, d.timeout, d.error_in_200) for d in (injector.decide() for _ in range(n))]


def test_faults_are_deterministic_for_a_seed_and_near_their_rates() -> None:
    first, again, other = decisions(7), decisions(7), decisions(8)
    assert first == again and first != other
    errors = sum(1 for d in first if d[1])
    assert 40 <= errors <= 80 and all(d[1] in (None, 500, 502, 503) for d in first)


def test_outage_window_answers_every_call() -> None:
    now = [0.0]
    injector = FaultInjector(1, clock=lambda: now[0])
    injector.configure(FaultSettings(outages=[(1.0, 2.0)]))
    states = []
    for t in (0.5, 1.0, 1.5, 2.0):
        now[0] = t
        states.append(injector.decide().outage)
    assert states == [False, True, True, False]


def test_fault_settings_reject_unknown_keys_and_bad_rates() -> None:
    with pytest.raises(ValueError, match="unknown fault keys"):
        FaultSettings.from_json({"error_rat": 0.3})
    with pytest.raises(ValueError, match="error_rate"):
        FaultSettings.from_json({"error_rate": 1.5})


def test_tokens_expire_normally_early_and_on_revoke() -> None:
    now = [0.0]
    store = TokenStore(lambda: now[0])
    token = store.issue(ttl=7200)
    now[0] = 7199
    assert store.is_valid(token)
    assert not store.is_valid(token, early_expiry=10)
    fresh = store.issue(ttl=7200)
    assert store.revoke_all() == 1 and not store.is_valid(fresh)
    late = store.issue(ttl=7200)
    now[0] += 7200
    assert not store.is_valid(late)


def test_load_errors_name_the_key() -> None:
    with pytest.raises(loading.LoadError, match=r"invoices\[0\]\.due_date is not a date"):
        loading.load(SandboxState(), {"invoices": [{**LOAD["invoices"][0], "due_date": "24.12.2025"}]})
    with pytest.raises(loading.LoadError, match=r"customers\[0\]\.customer is required"):
        loading.load(SandboxState(), {"customers": [{"name": "x"}]})
