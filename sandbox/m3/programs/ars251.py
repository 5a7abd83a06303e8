"""ARS251MI: additional invoice information (FSLEDX, shown in ARS216), the standard option.

Keyed by the ledger's internal key DIVI + YEA4/JRNO/JSNO rather than the invoice number, as the
real API is; `LstInfoPerAddNo` finds invoices by a stored value (e.g. a partner case number).
Shares the info store with EXT100MI: both are views of the same FSLEDX rows.
"""

from __future__ import annotations

from sandbox.m3.ledger import Invoice
from sandbox.m3.programs import Record, transaction
from sandbox.m3.programs.common import check_company
from sandbox.m3.records import ALREADY_EXISTS, NOT_FOUND, MIError, optional, parse_int, required
from sandbox.m3.state import SandboxState


def _by_voucher(state: SandboxState, record: Record) -> Invoice:
    check_company(state, record)
    division = required(record, "DIVI")
    key = tuple(parse_int(required(record, f), f) for f in ("YEA4", "JRNO", "JSNO"))
    for inv in state.invoices.values():
        v = inv.voucher
        if inv.division == division and (v.year, v.journal, v.sequence) == key:
            return inv
    raise MIError("Record does not exist", NOT_FOUND, "JRNO")


def _row(inv: Invoice, category: str, value: str) -> Record:
    v = inv.voucher
    return {"DIVI": inv.division, "YEA4": str(v.year), "JRNO": str(v.journal), "JSNO": str(v.sequence),
            "CINO": inv.invoice, "INYR": str(inv.year), "PYNO": inv.payer or inv.customer,
            "SEXN": category, "SEXI": value}


@transaction("ARS251MI", "LstInvInfo")
def list_info(state: SandboxState, record: Record) -> list[Record]:
    inv = _by_voucher(state, record)
    return [_row(inv, k, v) for k, v in sorted(inv.info.items())]


@transaction("ARS251MI", "AddInfoCat")
def add_info(state: SandboxState, record: Record) -> list[Record]:
    inv = _by_voucher(state, record)
    category, value = required(record, "SEXN"), required(record, "SEXI")
    if category in inv.info:
        raise MIError(f"Information category {category} already exists", ALREADY_EXISTS, "SEXN")
    inv.info[category] = value
    return []


@transaction("ARS251MI", "DltInfoCat")
def delete_info(state: SandboxState, record: Record) -> list[Record]:
    inv = _by_voucher(state, record)
    category = required(record, "SEXN")
    if category not in inv.info:
        raise MIError(f"Information category {category} does not exist", NOT_FOUND, "SEXN")
    del inv.info[category]
    return []


@transaction("ARS251MI", "LstInfoPerAddNo")
def find_by_value(state: SandboxState, record: Record) -> list[Record]:
    check_company(state, record)
    category, value = required(record, "SEXN"), required(record, "SEXI")
    division = optional(record, "DIVI")
    return [_row(inv, category, value) for inv in state.invoices.values()
            if inv.info.get(category) == value and (not division or inv.division == division)]
