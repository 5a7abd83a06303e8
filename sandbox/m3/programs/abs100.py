"""ABS100MI: bank statements (head -> lines -> details) and their posting.

`AddStatmtHead` carries our external reference XREF (settlement id + division) and refuses a
second head with the same XREF in the division, unless the sandbox is in naive mode;
`LstStatmtHead` finds heads by XREF so a client can ask "does it exist?" after an uncertain
failure. Line numbers (LINO) and detail numbers (DTNO) are table keys chosen by the caller, so a
repeated line or detail is "already exists" in every mode, like any duplicate key in M3.

`ValidateStatmt` stands in for M3's automatic ABS100 validation/posting job: it checks that the
non-memo details of each line sum to the line amount and the memo pair (VATBASE/VATBASEO) nets
to zero, books the journal through the ABS911-like table (`sandbox.m3.gl`), reduces each INV
invoice's open amount, and emits a payment posting event per INV detail under the bank
account's settlement FAM function (first of the partner's `settlement_functions`).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sandbox.m3 import postings
from sandbox.m3.gl import DETAIL_ACCOUNT_KEYS, MEMO_TYPES, journal_for
from sandbox.m3.ledger import Statement, StatementDetail, StatementLine
from sandbox.m3.programs import Record, transaction
from sandbox.m3.programs.common import check_company
from sandbox.m3.records import (ALREADY_EXISTS, INVALID, NOT_FOUND, MIError, fmt_amount, optional,
                                parse_amount, parse_date, parse_int, required)
from sandbox.m3.state import SandboxState

POSTED = "90"


def _statement(state: SandboxState, record: Record, *, open_only: bool = True) -> Statement:
    check_company(state, record)
    division, jbno = required(record, "DIVI"), required(record, "JBNO")
    for st in state.statements:
        if st.division == division and st.job_number == jbno:
            if open_only and st.posted:
                raise MIError(f"Statement {jbno} is already posted", INVALID, "JBNO")
            return st
    raise MIError(f"Statement {jbno} does not exist", NOT_FOUND, "JBNO")


@transaction("ABS100MI", "AddStatmtHead")
def add_head(state: SandboxState, record: Record) -> list[Record]:
    check_company(state, record)
    division, xref, bank = required(record, "DIVI"), required(record, "XREF"), required(record, "BKID")
    if bank not in state.settlement_functions:
        raise MIError(f"Bank account {bank} does not exist", NOT_FOUND, "BKID")
    if not state.naive and any(s.division == division and s.external_reference == xref
                               for s in state.statements):
        raise MIError(f"Statement with external reference {xref} already exists", ALREADY_EXISTS, "XREF")
    now = datetime.now()
    st = Statement(state.next_job_number(), now.strftime("%Y%m%d"), now.strftime("%H%M%S"), division,
                   xref, bank, parse_date(optional(record, "STDT"), "STDT"), optional(record, "CUCD"))
    state.statements.append(st)
    return [{"JBNO": st.job_number, "JBDT": st.job_date, "JBTM": st.job_time}]


@transaction("ABS100MI", "AddStatmtLine")
def add_line(state: SandboxState, record: Record) -> list[Record]:
    st = _statement(state, record)
    number = parse_int(required(record, "LINO"), "LINO")
    if number in st.lines:
        raise MIError(f"Statement line {number} already exists", ALREADY_EXISTS, "LINO")
    st.lines[number] = StatementLine(number, parse_amount(required(record, "BLLF"), "BLLF"),
                                     required(record, "PYNO"), optional(record, "TX40"))
    return []


@transaction("ABS100MI", "AddStatmtDetail")
def add_detail(state: SandboxState, record: Record) -> list[Record]:
    st = _statement(state, record)
    line = st.lines.get(parse_int(required(record, "LINO"), "LINO"))
    if line is None:
        raise MIError("Statement line does not exist", NOT_FOUND, "LINO")
    number = parse_int(required(record, "DTNO"), "DTNO")
    if number in line.details:
        raise MIError(f"Statement detail {number} already exists", ALREADY_EXISTS, "DTNO")
    kind = required(record, "BLTT")
    if kind not in DETAIL_ACCOUNT_KEYS:
        raise MIError(f"Transaction type {kind} is invalid", INVALID, "BLTT")
    invoice, year = "", 0
    if kind == "INV":
        invoice, year = required(record, "CINO"), parse_int(required(record, "INYR"), "INYR")
        if state.find_invoice(st.division, invoice, year) is None:
            raise MIError(f"Invoice number {invoice} does not exist", NOT_FOUND, "CINO")
    line.details[number] = StatementDetail(number, kind, parse_amount(required(record, "BLNF"), "BLNF"),
                                           invoice, year, optional(record, "IRNO"), optional(record, "VTCD"))
    return []


@transaction("ABS100MI", "LstStatmtHead")
def list_heads(state: SandboxState, record: Record) -> list[Record]:
    check_company(state, record)
    division, xref = required(record, "DIVI"), optional(record, "XREF")
    return [{"DIVI": s.division, "JBNO": s.job_number, "JBDT": s.job_date, "JBTM": s.job_time,
             "XREF": s.external_reference, "BKID": s.bank_account, "STAT": s.status,
             "NBLN": str(len(s.lines))}
            for s in state.statements if s.division == division and (not xref or s.external_reference == xref)]


@transaction("ABS100MI", "ValidateStatmt")
def validate(state: SandboxState, record: Record) -> list[Record]:
    st = _statement(state, record)
    _check(state, st)
    journal = journal_for(st, state.accounts, state.company)  # raises on a missing account: still nothing changed
    function = state.settlement_functions[st.bank_account][0]
    posted = st.statement_date or datetime.now().date()
    events = [postings.book(state, state.find_invoice(st.division, d.invoice, d.year), kind="payment",
                            amount=d.amount, function=function, posted=posted, message="settlement")
              for line in st.lines.values() for d in line.details.values() if d.type == "INV"]
    state.journal.extend(journal)
    st.status = POSTED
    for event in events:
        state.ingress.emit(event)
    return [{"JBNO": st.job_number, "STAT": st.status}]


def _check(state: SandboxState, st: Statement) -> None:
    """Every check before any change, so a failed validation leaves the statement untouched."""
    if not st.lines:
        raise MIError(f"Statement {st.job_number} has no lines", INVALID, "JBNO")
    allocated: dict[tuple[str, int], Decimal] = {}
    for line in st.lines.values():
        real = sum((d.amount for d in line.details.values() if d.type not in MEMO_TYPES), Decimal(0))
        memo = sum((d.amount for d in line.details.values() if d.type in MEMO_TYPES), Decimal(0))
        if real != line.amount:
            raise MIError(f"Line {line.number}: details {fmt_amount(real)} do not match line amount "
                          f"{fmt_amount(line.amount)}", INVALID, "BLLF")
        if memo != 0:
            raise MIError(f"Line {line.number}: VAT base memo pair does not net to zero", INVALID, "BLNF")
        for d in line.details.values():
            if d.type == "INV":
                allocated[(d.invoice, d.year)] = allocated.get((d.invoice, d.year), Decimal(0)) + d.amount
    for (cino, year), amount in allocated.items():
        inv = state.find_invoice(st.division, cino, year)
        try:
            postings.check_allocation(state, inv, amount)
        except postings.PostingRejected as exc:
            raise MIError(str(exc), INVALID, "BLNF") from None
