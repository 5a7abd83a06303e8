"""Bank-statement lines and journal lines, shared by settlement decisions and M3 commands.

The service sends M3 one ABS100 statement per settlement and division: a line per case payout
with detail lines per component; M3's allocation rules post the journal, and we compute the same
journal to check it balances before sending (DOMAIN §2.4). The invariants live here so that an
unbalanced journal or a statement line whose details do not add up cannot even be built.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Literal

from pydantic import model_validator

from contracts.base import Contract, Seq, Text
from contracts.identity import CaseId, Segment, Year
from contracts.money import Amount, SignedAmount

DetailType = Literal[
    "INV",
    "INTEREST",
    "KICKBACK",
    "COMMISSION",
    "FEEVAT",
    "VATBASE",
    "VATBASEO",
    "ROUNDING",
    "OTHER",
]
MEMO_TYPES = frozenset({"VATBASE", "VATBASEO"})


class StatementDetail(Contract):
    """One ABS100 detail line; signed like M3 wants it (deductions negative)."""

    type: DetailType
    amount: SignedAmount
    invoice: Segment | None = None
    year: Year | None = None
    kid: str | None = None

    @model_validator(mode="after")
    def _invoice_for_inv(self) -> StatementDetail:
        if self.type == "INV" and (self.invoice is None or self.year is None):
            raise ValueError("an INV detail needs the invoice and year it is allocated to")
        return self


class JournalLine(Contract):
    account: Text
    debit: Amount = Decimal("0.00")
    credit: Amount = Decimal("0.00")
    text: str = ""

    @model_validator(mode="after")
    def _one_side(self) -> JournalLine:
        if self.debit and self.credit:
            raise ValueError("a journal line is either a debit or a credit, not both")
        return self


def check_details_sum(amount: Decimal, details: Iterable[StatementDetail]) -> None:
    """The details other than the VAT-base memo pair add up to the line amount (the payout)."""
    total = sum((d.amount for d in details if d.type not in MEMO_TYPES), Decimal("0.00"))
    if total != amount:
        raise ValueError(f"details add up to {total:.2f}, not the line amount {amount:.2f}")


def check_balanced(journal: Iterable[JournalLine]) -> None:
    lines = list(journal)
    if not lines:
        raise ValueError("journal must have at least one line")
    debit = sum((j.debit for j in lines), Decimal("0.00"))
    credit = sum((j.credit for j in lines), Decimal("0.00"))
    if debit != credit:
        raise ValueError(f"journal does not balance: debit {debit:.2f} vs credit {credit:.2f}")


class StatementLine(Contract):
    """An ABS100 statement line: the payout for one case, with its details."""

    case_id: CaseId
    amount: SignedAmount
    payer: Segment | None = None
    details: Seq[StatementDetail]

    @model_validator(mode="after")
    def _details_add_up(self) -> StatementLine:
        check_details_sum(self.amount, self.details)
        return self
