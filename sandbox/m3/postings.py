"""Booking a payment or credit against an invoice, the way M3 then reports it.

Used by `/_sandbox/postings` (a payment the customer made directly, a credit note) and by a
posted ABS100 statement (the partner's settlement). The open amount never goes below zero:
such a posting is rejected, unless `allow_overpayment` is on, in which case the open amount may
turn negative (a credit balance, as M3 would show an over-paid invoice).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sandbox.m3.cms049 import fsledg_event
from sandbox.m3.fsledg import TRCD_CREDIT, TRCD_PAYMENT, posting_row
from sandbox.m3.ledger import Invoice
from sandbox.m3.state import SandboxState

KIND_TRCD = {"payment": TRCD_PAYMENT, "credit": TRCD_CREDIT}


class PostingRejected(ValueError):
    """The posting cannot be booked; nothing changed."""


def check_allocation(state: SandboxState, inv: Invoice, amount: Decimal) -> None:
    if amount <= 0:
        raise PostingRejected(f"amount must be positive, got {amount}")
    if amount > inv.open_amount and not state.allow_overpayment:
        raise PostingRejected(
            f"amount {amount} exceeds open amount {inv.open_amount} of invoice {inv.invoice}/{inv.year}")


def book(state: SandboxState, inv: Invoice, *, kind: str, amount: Decimal, function: str,
         posted: date, message: str | None = None) -> dict[str, Any]:
    """Reduce the open amount and return the CMS049 event M3 would emit for the new row."""
    if kind not in KIND_TRCD:
        raise PostingRejected(f"kind must be payment or credit, got {kind!r}")
    check_allocation(state, inv, amount)
    inv.open_amount -= amount
    row = posting_row(state.company, inv, state.customers.get(inv.customer), trcd=KIND_TRCD[kind],
                      amount=amount, function=function, posted=posted,
                      voucher=state.next_voucher(posted.year))
    return fsledg_event(row, operation="CREATE", message=message or kind, tenant=state.tenant.ti)
