"""ARS200MI: the customer invoice ledger (FSLEDG) — list invoices of a division, totals of one."""

from __future__ import annotations

from sandbox.m3.fsledg import invoice_row
from sandbox.m3.programs import Record, transaction
from sandbox.m3.programs.common import check_company, invoice_by_key
from sandbox.m3.records import fmt_amount, optional, required
from sandbox.m3.state import SandboxState

FILTERS = ("CUNO", "PYNO", "CINO", "INYR")


@transaction("ARS200MI", "LstInvByDivi")
def list_by_division(state: SandboxState, record: Record) -> list[Record]:
    """Optional filters CUNO, PYNO, CINO, INYR; OPEN=1 lists only items with an open amount."""
    check_company(state, record)
    division = required(record, "DIVI")
    wanted = {f: optional(record, f) for f in FILTERS if optional(record, f)}
    open_only = optional(record, "OPEN") == "1"
    rows = []
    for inv in sorted(state.invoices.values(), key=lambda i: (i.year, i.invoice)):
        if inv.division != division or (open_only and inv.open_amount == 0):
            continue
        row = invoice_row(state.company, inv, state.customers.get(inv.customer))
        if all(row[f] == v for f, v in wanted.items()):
            rows.append(row)
    return rows


@transaction("ARS200MI", "GetInvTotInfo")
def invoice_totals(state: SandboxState, record: Record) -> list[Record]:
    inv = invoice_by_key(state, record)
    return [{
        "DIVI": inv.division, "CINO": inv.invoice, "INYR": str(inv.year),
        "PYNO": inv.payer or inv.customer, "CUNO": inv.customer, "CUCD": inv.currency,
        "CUAM": fmt_amount(inv.amount), "PAAM": fmt_amount(inv.amount - inv.open_amount),
        "OCUA": fmt_amount(inv.open_amount),
    }]
