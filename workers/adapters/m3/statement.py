"""An ABS100 bank statement as the writer posts it: one per settlement and division.

Detail amounts follow the ABS100 convention of the installation in DOMAIN §2.4: seen from the
payout, so what the partner adds is positive (INV, INTEREST, KICKBACK) and what it deducts is
negative (COMMISSION, FEEVAT); VATBASE/VATBASEO are the memo pair (-base/+base); ROUNDING and
OTHER are signed. The details other than the memo pair sum to the line amount (the payout).
`line_details` turns non-negative settlement components into those details.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

DETAIL_TYPES = frozenset({"INV", "INTEREST", "KICKBACK", "COMMISSION", "FEEVAT", "VATBASE", "VATBASEO",
                          "ROUNDING", "OTHER"})
MEMO_TYPES = frozenset({"VATBASE", "VATBASEO"})
ZERO = Decimal("0")


@dataclass(frozen=True)
class StatementDetail:
    type: str
    amount: Decimal
    invoice: str | None = None
    year: int | None = None
    kid: str = ""
    vat_code: str = ""


@dataclass(frozen=True)
class StatementLine:
    amount: Decimal
    payer: str
    details: tuple[StatementDetail, ...]
    text: str = ""


@dataclass(frozen=True)
class Statement:
    settlement_id: str
    company: str
    division: str
    bank_account: str
    statement_date: date
    currency: str
    lines: tuple[StatementLine, ...]

    @property
    def external_reference(self) -> str:
        return f"{self.settlement_id}/{self.division}"

    def problems(self) -> list[str]:
        """What M3 would refuse; checked before anything is sent."""
        found = [] if self.lines else ["statement has no lines"]
        for n, line in enumerate(self.lines, 1):
            unknown = {d.type for d in line.details} - DETAIL_TYPES
            if unknown:
                found.append(f"line {n}: unknown detail type(s) {sorted(unknown)}")
            if line_payout(line.details) != line.amount:
                found.append(f"line {n}: details sum to {line_payout(line.details)}, line amount is {line.amount}")
            if any(d.type == "INV" and not (d.invoice and d.year) for d in line.details):
                found.append(f"line {n}: INV detail without invoice and year")
        return found


def line_payout(details: tuple[StatementDetail, ...]) -> Decimal:
    return sum((d.amount for d in details if d.type not in MEMO_TYPES), ZERO)


def line_details(*, invoice: str, year: int, kid: str = "", principal: Decimal, interest: Decimal = ZERO,
                 kickback: Decimal = ZERO, commission: Decimal = ZERO, fee_vat_base: Decimal = ZERO,
                 fee_vat: Decimal = ZERO, rounding: Decimal = ZERO, other: Decimal = ZERO,
                 vat_code: str = "") -> tuple[StatementDetail, ...]:
    """Settlement components (non-negative except rounding/other) -> ABS100 details; zeros left out."""
    signed = [("INV", principal), ("INTEREST", interest), ("KICKBACK", kickback), ("COMMISSION", -commission),
              ("FEEVAT", -fee_vat), ("VATBASE", -fee_vat_base), ("VATBASEO", fee_vat_base),
              ("ROUNDING", rounding), ("OTHER", other)]
    return tuple(
        StatementDetail(kind, amount, invoice if kind == "INV" else None, year if kind == "INV" else None,
                        kid if kind == "INV" else "", vat_code if kind == "VATBASE" else "")
        for kind, amount in signed if amount != ZERO)
