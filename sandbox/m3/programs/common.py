"""Lookups several programs share: company check and finding an invoice by its business key."""

from __future__ import annotations

from sandbox.m3.ledger import Invoice
from sandbox.m3.records import NOT_FOUND, MIError, optional, parse_int, required
from sandbox.m3.state import SandboxState


def check_company(state: SandboxState, record: dict[str, str]) -> None:
    cono = optional(record, "CONO")
    if cono and cono != state.company:
        raise MIError(f"Company {cono} does not exist", NOT_FOUND, "CONO")


def invoice_by_key(state: SandboxState, record: dict[str, str]) -> Invoice:
    check_company(state, record)
    division, cino = required(record, "DIVI"), required(record, "CINO")
    year = parse_int(required(record, "INYR"), "INYR")
    inv = state.find_invoice(division, cino, year)
    if inv is None:
        raise MIError(f"Invoice number {cino} year {year} does not exist", NOT_FOUND, "CINO")
    return inv
