"""Each m3 command becomes the right adapter call; PostStatement becomes the ABS100 Statement."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from contracts import Envelope, new_message
from workers.adapters.m3 import (M3PermanentError, M3TransientError, M3Writer, MIClient, Statement,
                                 StatementDetail, WriteOutcome)
from workers.m3_gateway.commands import CommandExecutor
from workers.adapters.m3 import M3RecordLocked
from workers.adapters.m3.mi_results import TransactionResult
from workers.m3_gateway.payers import PayerBook
from workers.m3_gateway.statements import missing_payers, to_statement

CASE = "100/001/252005046/2025"
INVOICE = {"company": "100", "division": "001", "invoice": "252005046", "year": 2025}


class RecordingWriter(M3Writer):
    """The real writer's interface, recording calls instead of talking to M3."""

    def __init__(self, outcome: WriteOutcome = WriteOutcome(True)) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.outcome = outcome

    async def set_reminder_stop(self, *args: Any) -> WriteOutcome:
        self.calls.append(("set_reminder_stop", args))
        return self.outcome

    async def set_case_info(self, *args: Any) -> WriteOutcome:
        self.calls.append(("set_case_info", args))
        return self.outcome

    async def post_statement(self, statement: Statement) -> WriteOutcome:
        self.calls.append(("post_statement", (statement,)))
        return self.outcome


def worked_example(payer: str | None = None) -> Envelope:
    """DOMAIN §2.4: principal 4 046.00, interest 147.16, fee VAT 225.00 on a base of 900.00."""
    details = [
        {"type": "INV", "amount": "4046.00", "invoice": "252005046", "year": 2025, "kid": "2520050465"},
        {"type": "INTEREST", "amount": "147.16"},
        {"type": "FEEVAT", "amount": "-225.00"},
        {"type": "VATBASE", "amount": "-900.00"},
        {"type": "VATBASEO", "amount": "900.00"},
    ]
    journal = [
        {"account": "2902", "debit": "3968.16"}, {"account": "1500", "credit": "4046.00"},
        {"account": "8055", "credit": "147.16"}, {"account": "2710", "debit": "225.00"},
        {"account": "9000", "debit": "900.00"}, {"account": "9001", "credit": "900.00"},
    ]
    return new_message("m3.post_statement", {
        "company": "100", "division": "001", "partner": "INTRUM", "settlement_id": "INTRUM/S-2026-03-11",
        "statement_date": date(2026, 3, 11), "currency": "NOK",
        "lines": [{"case_id": CASE, "amount": "3968.16", "payer": payer, "details": details}],
        "journal": journal}, source="test")


async def no_payers(case_ids: list[str]) -> dict[str, str]:
    raise AssertionError(f"no lookup expected, asked for {case_ids}")


async def test_reminder_stop_goes_to_set_reminder_stop():
    writer = RecordingWriter()
    command = new_message("m3.set_reminder_stop", {**INVOICE, "code": 2, "stopped_by": "INTRUM",
                                                   "stop_date": date(2026, 2, 20)}, source="test")
    assert (await CommandExecutor(writer, no_payers)(command)).ok
    assert writer.calls == [("set_reminder_stop", ("100", "001", "252005046", 2025, 2, "INTRUM", date(2026, 2, 20)))]


async def test_lifting_the_stop_clears_stopped_by_and_date():
    writer = RecordingWriter()
    await CommandExecutor(writer, no_payers)(new_message("m3.set_reminder_stop", {**INVOICE, "code": 0}, source="t"))
    assert writer.calls == [("set_reminder_stop", ("100", "001", "252005046", 2025, 0, None, None))]


async def test_case_info_adds_and_removes_categories():
    writer = RecordingWriter()
    command = new_message("m3.set_case_info", {**INVOICE, "add": {"997": "13563917"}, "remove": ["998"]}, source="t")
    await CommandExecutor(writer, no_payers)(command)
    assert writer.calls == [("set_case_info", ("100", "001", "252005046", 2025, {"997": "13563917"}, ["998"]))]


def test_worked_example_becomes_the_abs100_statement():
    statement = to_statement(worked_example("100002").payload)
    assert (statement.company, statement.division, statement.bank_account) == ("100", "001", "INTRUM")
    assert statement.external_reference == "INTRUM/S-2026-03-11/001"
    assert (statement.statement_date, statement.currency) == (date(2026, 3, 11), "NOK")
    (line,) = statement.lines
    assert (line.amount, line.payer, line.text) == (Decimal("3968.16"), "100002", CASE)
    assert line.details == (
        StatementDetail("INV", Decimal("4046.00"), "252005046", 2025, "2520050465"),
        StatementDetail("INTEREST", Decimal("147.16")),
        StatementDetail("FEEVAT", Decimal("-225.00")),
        StatementDetail("VATBASE", Decimal("-900.00")),
        StatementDetail("VATBASEO", Decimal("900.00")),
    )
    assert all(isinstance(d.amount, Decimal) for d in line.details)
    assert statement.problems() == []


def test_a_line_without_payer_needs_a_lookup():
    command = worked_example().payload
    assert missing_payers(command) == [CASE]
    assert missing_payers(worked_example("100002").payload) == []
    assert to_statement(command, {CASE: "100009"}).lines[0].payer == "100009"
    with pytest.raises(ValueError, match="no payer"):
        to_statement(command)


async def test_statement_is_posted_with_the_looked_up_payer():
    writer, asked = RecordingWriter(), []

    async def payers(case_ids: list[str]) -> dict[str, str]:
        asked.append(case_ids)
        return {CASE: "100002"}

    assert (await CommandExecutor(writer, payers)(worked_example())).ok
    assert asked == [[CASE]]
    ((name, (statement,)),) = writer.calls
    assert name == "post_statement" and statement.lines[0].payer == "100002"


@pytest.mark.parametrize(("error", "permanent"), [
    (M3PermanentError("invoice 252005046/2025 does not exist in division 001"), True),
    (M3TransientError("gave up after 5 attempts: HTTP 503"), False),
])
async def test_a_failed_payer_lookup_is_an_outcome_not_an_exception(error, permanent):
    async def payers(case_ids: list[str]) -> dict[str, str]:
        raise error

    writer = RecordingWriter()
    outcome = await CommandExecutor(writer, payers)(worked_example())
    assert (outcome.ok, outcome.permanent) == (False, permanent) and "payer lookup" in outcome.detail
    assert writer.calls == []


class ScriptedClient(MIClient):
    """Answers bulk ARS200MI lookups from a ledger; the invoices in `locked` fail once, locked."""

    def __init__(self, rows: list[dict[str, str]], locked: set[str] = frozenset()) -> None:
        self.rows, self.locked, self.calls = rows, set(locked), []

    async def execute(self, program: str, items: Any, **kwargs: Any) -> list[TransactionResult]:
        self.calls.append((program, [dict(record) for _, record in items]))
        results = []
        for transaction, record in items:
            if record["CINO"] in self.locked:
                self.locked.discard(record["CINO"])
                results.append(TransactionResult(transaction, False, error_message="Record is being changed by "
                                                 "another job, try again later", error_code="XLK0001"))
                continue
            rows = [r for r in self.rows if r["CINO"] == record["CINO"] and r["INYR"] == record["INYR"]]
            results.append(TransactionResult(transaction, True, rows))
        return results


LEDGER = [{"CINO": "252005046", "INYR": "2025", "TRCD": "10", "PYNO": "200001", "CUNO": "100002"},
          {"CINO": "252005047", "INYR": "2025", "TRCD": "10", "PYNO": "", "CUNO": "100003"}]
OTHER = "100/001/252005047/2025"


async def test_payer_comes_from_the_invoice_row_of_the_ledger_in_one_bulk_request():
    client = ScriptedClient(LEDGER)
    assert await PayerBook(client)([CASE, OTHER]) == {CASE: "200001", OTHER: "100003"}
    assert client.calls == [("ARS200MI", [{"CONO": "100", "DIVI": "001", "CINO": "252005046", "INYR": "2025"},
                                          {"CONO": "100", "DIVI": "001", "CINO": "252005047", "INYR": "2025"}])]


async def test_after_a_locked_lookup_the_retry_asks_only_for_what_is_still_unknown():
    client = ScriptedClient(LEDGER, locked={"252005047"})
    book = PayerBook(client)
    with pytest.raises(M3RecordLocked):
        await book([CASE, OTHER])
    assert await book([CASE, OTHER]) == {CASE: "200001", OTHER: "100003"}
    assert [len(records) for _, records in client.calls] == [2, 1]
    assert client.calls[1][1][0]["CINO"] == "252005047"


async def test_an_invoice_m3_does_not_know_is_a_permanent_error():
    with pytest.raises(M3PermanentError, match="252005046/2025 does not exist"):
        await PayerBook(ScriptedClient([]))([CASE])
