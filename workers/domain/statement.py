"""The ABS100 bank-statement details for one settlement line (DOMAIN §2.4).

M3's allocation rules (ABS911) post the journal from these details, so they must say the same
as our journal: every component is one detail, signed as money into the line, and the details
sum to the line amount (the payout).

The installation in DOMAIN §2.4 books the partner's VAT as `VATBASE −900.00` with a 25 %
input-VAT code, letting M3 derive the 225.00, plus the memo offset `VATBASEO 900.00`. We cannot
rely on a tenant's VAT codes, so the VAT is an explicit `FEEVAT −225.00` detail and the memo pair
`VATBASE −900.00` / `VATBASEO +900.00` carries the base for the VAT report, netting to zero.
Same postings (2710 Dr 225.00, 9000 Dr 900.00, 9001 Cr 900.00), same rest of −77.84.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from workers.domain.settlement_line import SettlementLine

MEMO_TYPES = frozenset({"VATBASE", "VATBASEO"})


@dataclass(frozen=True, slots=True)
class Detail:
    """Only INV is allocated to the invoice; the rest are booked, not matched to invoices."""

    type: str
    amount: Decimal
    invoice: str | None = None
    year: int | None = None
    kid: str | None = None

    @property
    def memo(self) -> bool:
        return self.type in MEMO_TYPES


def component_amounts(line: SettlementLine) -> list[tuple[str, Decimal]]:
    """(detail type, signed amount) in a fixed order; zero components are left out."""
    base = line.fee_vat_base
    signed = (
        ("INV", line.principal),
        ("INTEREST", line.interest),
        ("KICKBACK", line.kickback),
        ("COMMISSION", -line.commission),
        ("FEEVAT", -line.fee_vat),
        ("VATBASE", -base),
        ("VATBASEO", base),
        ("ROUNDING", line.rounding),
        ("OTHER", line.other),
    )
    return [(kind, amount) for kind, amount in signed if amount]


def statement_details(
    line: SettlementLine, invoice: str, year: int, kid: str | None
) -> list[Detail]:
    return [
        Detail(kind, amount, invoice, year, kid) if kind == "INV" else Detail(kind, amount)
        for kind, amount in component_amounts(line)
    ]


def line_amount(details: list[Detail]) -> Decimal:
    """What the details say was paid out: the non-memo details' sum."""
    return sum((d.amount for d in details if not d.memo), Decimal("0.00"))
