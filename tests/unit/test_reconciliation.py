"""The pure three-way comparison (`workers.reconciliation`): every kind of discrepancy, the clean
case, exact decimal money, our side folded from case events, the totals and the report formats."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from workers.reconciliation import report
from workers.reconciliation.compare import compare
from workers.reconciliation.model import KINDS, Discrepancy, LogCase, M3Invoice, PartnerCase, SettlementPart, Views
from workers.reconciliation.ourlog import from_events
from workers.reconciliation.run_dir import partner_urls, run_settings
from workers.reconciliation.summary import summarise

CASE = "100/001/5001/2026"
D = Decimal


def log_case(**changes) -> LogCase:
    base = LogCase(case_id=CASE, partner="INTRUM", state="active", code=3, status="collection", case_no="P-1",
                   currency="NOK", open_amount=D("1000.00"))
    return replace(base, **changes)


def m3(**changes) -> M3Invoice:
    return replace(M3Invoice(CASE, D("1000.00"), 3, "INTRUM", "NOK"), **changes)


def partner(**changes) -> PartnerCase:
    return replace(PartnerCase(CASE, "INTRUM", "P-1", "INKASSO", "collection", D("1000.00")), **changes)


def views(case: LogCase | None = None, invoice: M3Invoice | None = None, held: tuple[PartnerCase, ...] | None = None,
          **changes) -> Views:
    case = case or log_case()
    invoice = invoice if invoice is not None else m3()
    held = held if held is not None else (partner(),)
    base = Views(log={case.case_id: case}, m3={invoice.case_id: invoice} if invoice else {},
                 m3_divisions=frozenset({"001"}), m3_posted_statements=frozenset(), partner={case.case_id: held},
                 partners_read=frozenset({"INTRUM"}), division_partner={"001": "INTRUM"})
    return replace(base, **changes)


def kinds(found: list[Discrepancy]) -> list[str]:
    return [d.kind for d in found]


# ---- the clean case and each kind -------------------------------------------------------------

def test_three_views_that_agree_are_clean():
    assert compare(views()) == []


def test_closed_settled_and_booked_everywhere_is_clean():
    case = log_case(state="closed", code=9, status="closed_settled", open_amount=D("0.00"),
                    settled_principal=D("1000.00"))
    closed = partner(raw_status="AVSLUTTET_OPPGJORT", status="closed_settled")  # balance kept: not compared
    part = SettlementPart("INTRUM/S-1", "001", "INTRUM", D("980.00"), posted=True, balanced=True)
    found = compare(views(case, m3(open_amount=D("0.00"), reminder_stop=9), (closed,), settlements=(part,),
                          m3_posted_statements=frozenset({"INTRUM/S-1/001"})))
    assert found == []


def test_missing_at_partner_when_the_partner_holds_nothing_or_rejected_it():
    [d] = compare(views(held=()))
    assert (d.kind, d.case_id, d.partner, d.log_amount) == ("missing_at_partner", CASE, "INTRUM", D("1000.00"))
    [d] = compare(views(held=(partner(raw_status="AVVIST", status="rejected", case_no=None),)))
    assert d.kind == "missing_at_partner" and "rejected" in d.detail


def test_missing_in_m3_when_not_found_or_not_in_collection():
    found = compare(replace(views(), m3={}))
    assert kinds(found) == ["missing_in_m3"] and "not found" in found[0].detail
    found = compare(views(invoice=m3(reminder_stop=0)))
    assert kinds(found) == ["missing_in_m3"] and found[0].m3_amount == D("1000.00")


def test_missing_in_log_for_an_invoice_in_collection_we_know_nothing_about():
    stray = M3Invoice("100/001/7777/2026", D("250.00"), 3, "", "NOK")
    found = compare(replace(views(), m3={CASE: m3(), stray.case_id: stray}))
    assert [(d.kind, d.case_id, d.partner, d.m3_amount) for d in found] == [
        ("missing_in_log", stray.case_id, "INTRUM", D("250.00"))]  # partner from the division link


def test_an_invoice_not_in_collection_without_a_case_is_none_of_our_business():
    quiet = M3Invoice("100/001/8888/2026", D("250.00"), 0)
    assert compare(replace(views(), m3={CASE: m3(), quiet.case_id: quiet})) == []


def test_amount_mismatch_names_all_three_amounts():
    [d] = compare(views(invoice=m3(open_amount=D("900.00"))))
    assert d.kind == "amount_mismatch"
    assert (d.m3_amount, d.partner_amount, d.log_amount) == (D("900.00"), D("1000.00"), D("1000.00"))
    [d] = compare(views(held=(partner(balance=D("800.00")),)))
    assert d.kind == "amount_mismatch" and "partner balance 800.00" in d.detail


def test_one_ore_is_a_difference():
    [d] = compare(views(invoice=m3(open_amount=D("999.99"))))
    assert d.kind == "amount_mismatch" and d.m3_amount == D("999.99")


def test_partner_balance_may_keep_principal_it_paid_out_until_the_case_closes():
    case = log_case(open_amount=D("600.00"), settled_principal=D("400.00"))
    assert compare(views(case, m3(open_amount=D("600.00")), (partner(balance=D("1000.00")),))) == []
    assert compare(views(case, m3(open_amount=D("600.00")), (partner(balance=D("600.00")),))) == []
    assert kinds(compare(views(case, m3(open_amount=D("600.00")), (partner(balance=D("700.00")),)))) == [
        "amount_mismatch"]


def test_status_mismatch_from_the_partner_and_from_m3():
    [d] = compare(views(held=(partner(raw_status="INNSIGELSE", status="dispute"),)))
    assert d.kind == "status_mismatch" and "code 4" in d.detail and "code 3" in d.detail
    [d] = compare(views(held=(partner(raw_status="NYTT_ORD", status=None),)))
    assert d.kind == "status_mismatch" and "not in the status mapping" in d.detail
    [d] = compare(views(invoice=m3(reminder_stop=6)))
    assert d.kind == "status_mismatch" and "M3 reminder stop 6" in d.detail


def test_case_number_and_doubles_at_the_partner():
    assert kinds(compare(views(held=(partner(case_no="P-9"),)))) == ["case_no_mismatch"]
    found = compare(views(held=(partner(), partner(case_no="P-2"))))
    assert kinds(found) == ["duplicate_at_partner"] and "P-1, P-2" in found[0].detail


def test_closed_settled_at_the_partner_without_a_settlement_is_not_booked():
    closed = partner(raw_status="AVSLUTTET_OPPGJORT", status="closed_settled")
    found = compare(views(held=(closed,)))
    assert kinds(found) == ["closed_settled_not_booked", "status_mismatch"]
    assert found[0].m3_amount == D("1000.00") and "no settlement received" in found[0].detail


def test_a_direct_payment_in_full_then_closed_settled_needs_no_settlement():
    case = log_case(state="closed", code=9, status="closed_settled", open_amount=D("0.00"))
    closed = partner(raw_status="AVSLUTTET_OPPGJORT", status="closed_settled", balance=D("0.00"))
    assert compare(views(case, m3(open_amount=D("0.00"), reminder_stop=9), (closed,))) == []


def test_settlement_accepted_but_not_confirmed_by_m3():
    case = log_case(open_amount=D("0.00"), settled_principal=D("1000.00"),
                    unbooked=(("INTRUM/S-7", D("1000.00")),))
    found = compare(views(case, m3(), (partner(),)))  # M3 still shows 1000.00: only "not booked"
    assert kinds(found) == ["closed_settled_not_booked"]
    assert found[0].settlement_id == "INTRUM/S-7" and found[0].m3_amount == D("1000.00")


def test_a_statement_our_log_calls_posted_must_be_posted_in_m3():
    part = SettlementPart("INTRUM/S-1", "001", "INTRUM", D("980.00"), posted=True, balanced=True)
    [d] = compare(views(settlements=(part,), m3_posted_statements=frozenset()))
    assert (d.kind, d.case_id, d.settlement_id, d.log_amount) == (
        "closed_settled_not_booked", None, "INTRUM/S-1", D("980.00"))
    assert compare(views(settlements=(part,), m3_posted_statements=None)) == []  # not read: no conclusion


def test_refused_lines_and_unbalanced_journals():
    part = SettlementPart("INTRUM/S-1", "001", "INTRUM", D("10.00"), posted=True, balanced=False,
                          refused=((CASE, "fee VAT 30.00 is not 25% of 100.00"),))
    found = compare(views(settlements=(part,), m3_posted_statements=frozenset({"INTRUM/S-1/001"})))
    assert kinds(found) == ["journal_unbalanced", "settlement_refused"]


def test_nothing_is_concluded_about_a_system_that_was_not_read():
    assert compare(views(held=(), partners_read=frozenset())) == []
    assert compare(replace(views(), m3={}, m3_divisions=frozenset())) == []


def test_scope_keeps_other_divisions_and_partners_out():
    other = log_case(case_id="100/002/1/2026", partner="SVEA")
    v = replace(views(), log={CASE: log_case(), other.case_id: other}, partners_read=frozenset({"INTRUM", "SVEA"}))
    assert [(d.kind, d.case_id) for d in compare(replace(v, partner_scope="SVEA"))] == [
        ("missing_at_partner", other.case_id)]
    assert compare(replace(v, division_scope="001")) == []
    assert compare(replace(v, partner_scope="INTRUM")) == []


def test_every_kind_is_declared():
    assert {"missing_at_partner", "missing_in_m3", "amount_mismatch", "closed_settled_not_booked",
            "status_mismatch"} <= set(KINDS)


@given(m3_open=st.decimals(min_value=0, max_value=10**7, places=2),
       balance=st.decimals(min_value=0, max_value=10**7, places=2),
       ours=st.decimals(min_value=0, max_value=10**7, places=2))
def test_amounts_agree_exactly_or_are_reported_exactly(m3_open, balance, ours):
    found = compare(views(log_case(open_amount=ours), m3(open_amount=m3_open), (partner(balance=balance),)))
    assert (kinds(found) == []) == (m3_open == balance == ours)
    for d in found:
        assert (d.m3_amount, d.partner_amount, d.log_amount) == (m3_open, balance, ours)
        row = json.loads(report.as_json([], found))["discrepancies"][0]
        assert [D(row[k]) for k in ("m3_amount", "partner_amount", "log_amount")] == [m3_open, balance, ours]


# ---- our side from case events ---------------------------------------------------------------

def event(kind: str, payload: dict, case_id: str = CASE) -> dict:
    return {"type": kind, "case_id": case_id, "payload": payload, "occurred_at": "2026-03-01T08:00:00+00:00"}


def test_our_side_folds_cases_and_unbooked_settlement_lines():
    other = "100/001/5002/2026"
    events = [
        event("case.handed_over", {"partner": "INTRUM", "division": "001", "customer": "C1", "amount": "1000.00",
                                   "open_amount": "1000.00", "currency": "NOK", "business_date": "2026-03-01"}),
        event("case.registration_accepted", {"partner": "INTRUM", "case_no": "P-1"}),
        event("case.settlement_line_accepted", {"settlement_id": "INTRUM/S-1", "principal": "400.00",
                                                "payout": "390.00", "open_amount_after": "600.00"}),
        event("case.invoice_skipped", {"rule": "min_amount", "reason": "too small"}, other),
        event("case.settlement_discrepancy", {"settlement_id": "INTRUM/S-1", "reason": "principal > open"}, other),
    ]
    cases, parts = from_events(events)
    assert list(cases) == [CASE]  # skipped invoices are not cases
    case = cases[CASE]
    assert (case.state, case.code, case.case_no, case.open_amount) == ("active", 2, "P-1", D("600.00"))
    assert case.unbooked == (("INTRUM/S-1", D("400.00")),) and case.unbooked_principal == D("400.00")
    [part] = parts
    assert (part.partner, part.division, part.posted, part.refused) == (
        "INTRUM", "001", False, ((other, "principal > open"),))
    journal = [{"account": "2902", "debit": "390.00", "credit": "0.00"},
               {"account": "1500", "debit": "0.00", "credit": "390.00"}]
    cases, parts = from_events(events + [event("case.statement_posted", {
        "settlement_id": "INTRUM/S-1", "division": "001", "journal": journal})])
    assert cases[CASE].unbooked == () and parts[0].posted and parts[0].balanced


# ---- totals and reports ----------------------------------------------------------------------

def test_summary_sums_each_system_exactly_per_division_and_partner():
    second = log_case(case_id="100/001/5002/2026", open_amount=D("0.10"))
    v = replace(views(), log={CASE: log_case(), second.case_id: second},
                m3={CASE: m3(), second.case_id: m3(case_id=second.case_id, open_amount=D("0.20"))},
                partner={CASE: (partner(),), second.case_id: (partner(reference=second.case_id, balance=D("0.10")),)})
    found = compare(v)
    [row] = summarise(v, found)
    assert (row.division, row.partner, row.currency, row.active) == ("001", "INTRUM", "NOK", 2)
    assert (row.m3_open, row.partner_balance, row.log_open) == (D("1000.20"), D("1000.10"), D("1000.10"))
    assert row.kinds == {"amount_mismatch": 1}


def test_csv_and_json_carry_exact_amounts_and_every_field():
    found = compare(views(invoice=m3(open_amount=D("900.05"))))
    rows = list(csv.DictReader(io.StringIO(report.as_csv(found))))
    assert rows == [{**{k: "" for k in report.FIELDS}, "kind": "amount_mismatch", "division": "001",
                     "partner": "INTRUM", "case_id": CASE, "currency": "NOK", "m3_amount": "900.05",
                     "partner_amount": "1000.00", "log_amount": "1000.00", "detail": found[0].detail}]
    data = json.loads(report.as_json(summarise(views(), found), found))
    assert data["clean"] is False and data["summary"][0]["m3_open"] == "1000.00"
    assert json.loads(report.as_json([], []))["clean"] is True


def test_the_table_names_the_discrepancies(tmp_path):
    found = compare(views(held=()))
    with (tmp_path / "out.txt").open("w") as handle:
        report.print_table(summarise(views(held=()), found), found, handle)
    text = (tmp_path / "out.txt").read_text()
    assert "missing_at_partner" in text and CASE in text


# ---- pointing at a run directory ---------------------------------------------------------------

def test_a_run_directory_names_topics_credentials_and_partner_urls(tmp_path):
    run = tmp_path / "demo-month-1a2b3c4d"
    run.mkdir()
    (run / "m3.ionapi").write_text("{}")
    (run / "partner-secrets.json").write_text("{}")
    (run / "partner-sandbox.log").write_text(
        "2026-12-04 21:52:13,740 INFO sandbox.partner: partner sandbox for INTRUM,SVEA listening on "
        "http://127.0.0.1:39865 (autonomous)\n")
    settings = run_settings(run)
    assert settings["topic_prefix"] == "demo-month-1a2b3c4d."
    assert settings["m3_ionapi_file"] == run / "m3.ionapi"
    assert settings["partner_urls"] == ("INTRUM=http://127.0.0.1:39865/INTRUM/api/v1,"
                                        "SVEA=http://127.0.0.1:39865/SVEA/api/v1")
    assert partner_urls(tmp_path / "nothing.log") == ""
