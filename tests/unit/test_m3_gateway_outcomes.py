"""What the gateway reports on m3.outcomes: keyed by case, ids derived from the command."""

from __future__ import annotations

from datetime import date

from contracts import decode, derived_event_id, encode, message_key, new_message
from workers.adapters.m3 import WriteOutcome
from workers.m3_gateway.outcomes import counter_name, outcome_messages

CASE = "100/001/252005046/2025"
CASES = ["100/001/252005046/2025", "100/001/252005047/2025"]


def reminder_stop():
    return new_message("m3.set_reminder_stop", {"company": "100", "division": "001", "invoice": "252005046",
                                                "year": 2025, "code": 1, "stopped_by": "INTRUM",
                                                "stop_date": date(2026, 2, 20)}, source="case-processor")


def statement(cases=CASES):
    lines = [{"case_id": c, "amount": "100.00", "payer": "100002",
              "details": [{"type": "INV", "amount": "100.00", "invoice": c.split("/")[2], "year": 2025}]}
             for c in cases]
    total = f"{100 * len(cases)}.00"
    return new_message("m3.post_statement", {
        "company": "100", "division": "001", "partner": "INTRUM", "settlement_id": "INTRUM/S1",
        "statement_date": date(2026, 3, 11), "currency": "NOK", "lines": lines,
        "journal": [{"account": "2902", "debit": total}, {"account": "1500", "credit": total}]},
        source="settlement-aggregator")


def test_one_outcome_keyed_like_the_command_with_a_derived_id():
    command = reminder_stop()
    (outcome,) = outcome_messages(command, WriteOutcome(True, references={"RMBL": "1"}))
    assert outcome.type == "m3.command_outcome" and outcome.source == "m3-gateway"
    assert outcome.case_id == command.case_id == CASE and message_key(outcome) == CASE.encode()
    assert outcome.event_id == derived_event_id(command.event_id, "m3-outcome")
    assert outcome.causation_id == command.event_id
    p = outcome.payload
    assert (p.command_id, p.command_type, p.ok, p.permanent, p.references) == (
        command.event_id, "m3.set_reminder_stop", True, False, {"RMBL": "1"})
    assert decode("m3.outcomes", encode("m3.outcomes", outcome)) == outcome


def test_processing_the_command_again_gives_the_same_ids():
    command = reminder_stop()
    first = outcome_messages(command, WriteOutcome(True))
    again = outcome_messages(command, WriteOutcome(True))
    assert [o.event_id for o in first] == [o.event_id for o in again]
    assert outcome_messages(reminder_stop(), WriteOutcome(True))[0].event_id != first[0].event_id


def test_permanent_failure_carries_the_m3_message():
    detail = "EXT100MI/SetRemindStop: Invoice number 252005046 year 2025 does not exist (code XRE0104, field CINO)"
    (outcome,) = outcome_messages(reminder_stop(), WriteOutcome(False, True, detail))
    assert (outcome.payload.ok, outcome.payload.permanent, outcome.payload.detail) == (False, True, detail)


def test_a_statement_reports_once_per_case_line_keyed_by_that_case():
    command = statement()
    refs = {"JBNO": "00000001", "JBDT": "20260311", "JBTM": "101010", "XREF": "INTRUM/S1/001",
            "already_posted": "false"}
    outcomes = outcome_messages(command, WriteOutcome(True, references=refs))
    assert [o.case_id for o in outcomes] == CASES
    assert [message_key(o) for o in outcomes] == [c.encode() for c in CASES]
    assert [o.event_id for o in outcomes] == [derived_event_id(command.event_id, f"m3-outcome/{c}") for c in CASES]
    assert len({o.event_id for o in outcomes}) == 2
    for number, outcome in enumerate(outcomes, 1):
        assert outcome.payload.command_id == command.event_id
        assert outcome.payload.command_type == "m3.post_statement"
        assert outcome.payload.references == {**refs, "settlement_id": "INTRUM/S1", "division": "001",
                                              "lines": str(number)}


def test_a_refused_statement_is_refused_for_every_case():
    outcomes = outcome_messages(statement(), WriteOutcome(False, True, "ABS100MI/AddStatmtHead: Bank account X"))
    assert all(not o.payload.ok and o.payload.permanent for o in outcomes) and len(outcomes) == 2


def test_two_lines_of_one_case_give_one_outcome_naming_both_lines():
    outcomes = outcome_messages(statement([CASE, CASE]), WriteOutcome(True))
    assert len(outcomes) == 1 and outcomes[0].payload.references["lines"] == "1,2"


def test_counter_names_are_per_command_type_and_result():
    assert counter_name("m3.set_reminder_stop", WriteOutcome(True)) == "set_reminder_stop_ok"
    assert counter_name("m3.post_statement", WriteOutcome(False, True, "no")) == "post_statement_failed"
