"""The case processor's pure decisions: one input, one state → events and commands."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import yaml

from contracts import new_message
from workers.case_processor.decision import Context
from workers.case_processor.handlers import decide
from workers.case_processor.state import CaseState
from workers.domain.configuration import load_configuration
from workers.infra.settings import REPO_ROOT

CONFIG_DATA = yaml.safe_load((REPO_ROOT / "examples" / "config.yaml").read_text())
CONFIG = load_configuration(CONFIG_DATA)
CASE = "100/001/252005046/2025"
TODAY = date(2026, 2, 20)


def overdue(**changes):
    payload = {
        "company": "100", "division": "001", "invoice": "252005046", "year": 2025, "customer": "100002",
        "invoice_date": date(2025, 12, 10), "due_date": date(2025, 12, 24), "amount": "4046.00",
        "open_amount": "4046.00", "currency": "NOK", "kid": "2520050465", "reminder_rule": "CR1",
        "reminders_sent": 2, "last_reminder_date": date(2026, 1, 21),
        "debtor": {"name": "Kunde AS", "org_no": "923609016", "private": False, "national_id": None,
                   "address": {"line1": "Storgata 1", "postcode": "0155", "city": "Oslo", "country": "NO"},
                   "email": "post@kunde.example", "collection_blocked": False},
    }
    debtor = changes.pop("debtor", {})
    payload.update(changes)
    payload["debtor"] = {**payload["debtor"], **debtor}
    return new_message("ledger.invoice_overdue", payload, source="test")


def posting(amount="100.00", open_after="3946.00", function="AB10-001", kind="payment", posting_id="P1"):
    return new_message("m3.posting_booked", {
        "company": "100", "division": "001", "invoice": "252005046", "year": 2025, "kind": kind,
        "amount": amount, "function": function, "booking_date": date(2026, 3, 1),
        "open_amount_after": open_after, "currency": "NOK", "posting_id": posting_id}, source="test")


def receipt(case_no="13563917"):
    return new_message("partner.registration_accepted", {"partner": "INTRUM", "case_no": case_no,
                       "our_reference": CASE, "at": datetime(2026, 2, 21, tzinfo=UTC)}, source="test")


def status(name, day, case_no="13563917"):
    return new_message("partner.status_changed", {"partner": "INTRUM", "case_no": case_no, "status": name,
                       "raw_status": name.upper(), "at": datetime(2026, 3, day, tzinfo=UTC)},
                       source="test", case_id=CASE)


def run(messages, context=None, state=None):
    state = state or CaseState(case_id=CASE)
    outputs = []
    for message in messages:
        decision = decide(state, message, context or Context(CONFIG, TODAY))
        state = decision.state
        outputs.append([(topic, payload.message_type, payload) for topic, payload in decision.outputs])
    return state, outputs


def types(outputs):
    return [t for _topic, t, _p in outputs]


def test_eligible_invoice_is_handed_over_with_registration_and_reminder_stop():
    state, [out] = run([overdue()])
    assert types(out) == ["case.handed_over", "partner.register_case", "m3.set_reminder_stop"]
    register = out[1][2]
    assert register.partner == "INTRUM" and register.partner_customer_no == "K84307"
    assert register.our_reference == CASE and register.open_amount == Decimal("4046.00")
    stop = out[2][2]
    assert (stop.code, stop.stopped_by, stop.stop_date) == (1, "INTRUM", TODAY)
    assert state.phase == "active" and state.waiting_invoice is None


def test_national_id_is_sent_only_to_a_partner_that_requires_it():
    message = overdue(debtor={"private": True, "national_id": "01017012345", "org_no": None})
    _, [out] = run([message])
    assert out[1][2].debtor.national_id is None
    data = copy.deepcopy(CONFIG_DATA)
    data["partners"]["INTRUM"]["requires_national_id"] = True
    _, [out] = run([message], Context(load_configuration(data), TODAY))
    assert out[1][2].debtor.national_id == "01017012345"


def test_the_same_event_twice_changes_nothing_and_a_new_event_is_skipped_as_active():
    first = overdue()
    state, outputs = run([first, first, overdue(reminders_sent=3)])
    assert outputs[1] == []
    assert types(outputs[2]) == ["case.invoice_skipped"] and outputs[2][0][2].rule == "already_active"
    assert state.phase == "active"


def test_outputs_have_ids_derived_from_the_input():
    message = overdue()
    first = decide(CaseState(case_id=CASE), message, Context(CONFIG, TODAY)).envelopes(message)
    again = decide(CaseState(case_id=CASE), message, Context(CONFIG, TODAY)).envelopes(message)
    assert [e.event_id for _, e in first] == [e.event_id for _, e in again]
    assert all(e.causation_id == message.event_id for _, e in first)


def test_too_early_is_deferred_and_handed_over_when_the_date_comes():
    early = Context(CONFIG, date(2026, 1, 2))
    state, [out] = run([overdue()], early)
    assert types(out) == ["case.invoice_deferred"] and out[0][2].until == date(2026, 1, 7)
    recheck = new_message("case.recheck_due", {"trigger": "clock", "business_date": date(2026, 1, 7),
                                               "config_version": 1}, source="t", case_id=CASE)
    state, [out] = run([recheck], Context(CONFIG, date(2026, 1, 7)), state)
    assert types(out) == ["case.handed_over", "partner.register_case", "m3.set_reminder_stop"]


def test_a_paused_division_defers_until_unpaused():
    data = copy.deepcopy(CONFIG_DATA)
    data["divisions"]["001"]["paused"] = True
    state, [out] = run([overdue()], Context(load_configuration(data), TODAY))
    assert out[0][2].waits_for == "unpause" and state.phase == "deferred"
    recheck = new_message("case.recheck_due", {"trigger": "config", "business_date": TODAY,
                                               "config_version": 2}, source="t", case_id=CASE)
    _, [out] = run([recheck], Context(CONFIG, TODAY), state)
    assert types(out)[0] == "case.handed_over"


@pytest.mark.parametrize(
    ("change", "rule"),
    [({"amount": "-100.00", "open_amount": "-100.00"}, "credit_item"),
     ({"division": "099"}, "division_unlinked"),
     ({"collection_code": 3}, "invoice_blocked"),
     ({"reminder_rule": "CR9"}, "reminder_rule"),
     ({"open_amount": "10.00"}, "below_minimum"),
     ({"debtor": {"collection_blocked": True}}, "customer_blocked")],
)
def test_skips_are_recorded_with_their_rule(change, rule):
    case_id = CASE if "division" not in change else "100/099/252005046/2025"
    message = overdue(**change)
    state = CaseState(case_id=case_id)
    decision = decide(state, message, Context(CONFIG, TODAY))
    assert [p.message_type for _, p in decision.outputs] == ["case.invoice_skipped"]
    assert decision.outputs[0][1].rule == rule


def test_receipt_sets_code_2_and_998_999():
    state, [_, out] = run([overdue(), receipt()])
    assert types(out) == ["case.registration_accepted", "m3.set_reminder_stop", "m3.set_case_info"]
    assert out[1][2].code == 2
    assert dict(out[2][2].add) == {"998": "13563917", "999": "13563917"}
    assert state.case_no == "13563917"


def test_rejection_clears_the_reminder_stop_and_is_final():
    rejected = new_message("partner.registration_rejected", {"partner": "INTRUM", "reason": "debtor deceased",
                           "at": datetime(2026, 2, 21, tzinfo=UTC)}, source="t", case_id=CASE)
    state, [_, out, again] = run([overdue(), rejected, overdue(reminders_sent=3)])
    assert types(out) == ["case.registration_rejected", "m3.set_reminder_stop"]
    assert (out[1][2].code, out[1][2].stopped_by, out[1][2].stop_date) == (0, None, None)
    assert again[0][2].rule == "handed_over_before" and state.phase == "rejected"


def test_statuses_follow_the_newest_and_close_replaces_998_with_997():
    state, outs = run([overdue(), receipt(), status("collection", 5), status("dispute", 3),
                       status("closed_settled", 11), status("collection", 12)])
    assert [o[2].code for o in outs[2] if o[1] == "m3.set_reminder_stop"] == [3]
    assert types(outs[3]) == ["case.status_ignored"] and outs[3][0][2].reason == "stale"
    close = dict((t, p) for _, t, p in outs[4])
    assert close["m3.set_reminder_stop"].code == 9
    assert dict(close["m3.set_case_info"].add) == {"997": "13563917"} and close["m3.set_case_info"].remove == ("998",)
    assert outs[5][0][2].reason == "case closed" and state.phase == "closed"


def test_payment_before_receipt_is_held_then_forwarded():
    state, outs = run([overdue(), posting(), receipt()])
    assert outs[1][0][2].forwarded == "held"
    forwarded = [p for _, t, p in outs[2] if t == "partner.forward_payment"]
    assert len(forwarded) == 1 and forwarded[0].case_no == "13563917" and forwarded[0].amount == Decimal("100.00")
    assert state.held_postings == ()


def test_partner_settlement_postings_are_never_forwarded():
    _, outs = run([overdue(), receipt(), posting(function="AB10-900", posting_id="S1", open_after="0.00")])
    assert types(outs[2]) == ["case.posting_recorded"]
    assert outs[2][0][2].forwarded == "not_forwarded" and "settlement function" in outs[2][0][2].reason


def test_full_payment_forwards_and_requests_close_once():
    _, outs = run([overdue(), receipt(), posting(amount="4046.00", open_after="0.00"),
                   posting(amount="4046.00", open_after="0.00")])
    assert types(outs[2]) == ["case.posting_recorded", "case.payment_forwarded", "partner.forward_payment",
                              "case.close_requested", "partner.request_close"]
    assert outs[3] == []


def test_a_payment_without_a_case_is_recorded_not_forwarded():
    state = CaseState(case_id=CASE)
    decision = decide(state, posting(), Context(CONFIG, TODAY))
    assert [p.message_type for _, p in decision.outputs] == ["case.posting_recorded"]
    assert decision.outputs[0][1].forwarded == "not_forwarded"


def test_settlement_line_of_the_worked_example_is_accepted_with_its_journal():
    line = new_message("settlement.line_submitted", {
        "settlement_id": "INTRUM/S-1", "partner": "INTRUM", "settlement_date": date(2026, 3, 11),
        "line_no": 1, "line_count": 1, "currency": "NOK",
        "line": {"case_no": "13563917", "case_id": CASE, "principal": "4046.00", "interest": "147.16",
                 "fee_vat_base": "900.00", "fee_vat": "225.00"}}, source="t")
    state, outs = run([overdue(), receipt(), line, line])
    decided = outs[2][1][2]
    assert decided.accepted and decided.payout == Decimal("3968.16")
    nets = {j.account: j.debit - j.credit for j in decided.journal}
    assert nets == {"2902": Decimal("3968.16"), "1500": Decimal("-4046.00"), "8055": Decimal("-147.16"),
                    "2710": Decimal("225.00"), "9000": Decimal("900.00"), "9001": Decimal("-900.00")}
    assert state.open_amount == Decimal("0.00") and outs[3] == []


def test_a_settlement_line_with_wrong_vat_is_a_discrepancy():
    line = new_message("settlement.line_submitted", {
        "settlement_id": "INTRUM/S-2", "partner": "INTRUM", "settlement_date": date(2026, 3, 11),
        "line_no": 1, "line_count": 1, "currency": "NOK",
        "line": {"case_no": "13563917", "case_id": CASE, "principal": "100.00", "fee_vat_base": "900.00",
                 "fee_vat": "200.00"}}, source="t")
    _, outs = run([overdue(), receipt(), line])
    assert types(outs[2]) == ["case.settlement_discrepancy", "settlement.line_decided"]
    assert outs[2][1][2].accepted is False and "VAT" in outs[2][1][2].reason.upper()
