"""One case's line in a partner's settlement, and the checks before it may be booked (DOMAIN §2.4).

A line that fails a check is a discrepancy for a person, never a guess: booking a wrong VAT
amount or more principal than is owed would put errors into the ledger that only an
accountant can take out again.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal

from workers.domain.money import CENT, ZERO, cents

MAGNITUDES = ("principal", "interest", "kickback", "commission", "fee_vat_base", "fee_vat")
VAT_TOLERANCE = CENT


@dataclass(frozen=True, slots=True)
class SettlementLine:
    """Components are non-negative magnitudes except `rounding` and `other` (signed).

    `payout` is the partner's own figure for what it paid out for this case, when it gives one.
    """

    principal: Decimal
    interest: Decimal = ZERO
    kickback: Decimal = ZERO
    commission: Decimal = ZERO
    fee_vat_base: Decimal = ZERO
    fee_vat: Decimal = ZERO
    rounding: Decimal = ZERO
    other: Decimal = ZERO
    payout: Decimal | None = None


def computed_payout(line: SettlementLine) -> Decimal:
    """payout = principal + interest + kickback − commission − fee VAT + rounding + other."""
    return cents(
        line.principal
        + line.interest
        + line.kickback
        - line.commission
        - line.fee_vat
        + line.rounding
        + line.other
    )


def validate_line(
    line: SettlementLine, open_amount: Decimal, vat_rate: Decimal, tolerance: Decimal
) -> list[str]:
    """Every reason the line cannot be booked as it stands; empty when it can.

    The fee VAT is compared, as money, with base × rate rounded to øre: the partner rounds
    too, and one øre either way is its rounding, not an error.
    """
    reasons = [
        f"{name} is negative ({getattr(line, name)})"
        for name in MAGNITUDES
        if getattr(line, name) < 0
    ]
    amounts = {f.name: getattr(line, f.name) for f in fields(line)}
    reasons += [
        f"{name} has more than two decimals ({amount})"
        for name, amount in amounts.items()
        if amount is not None and amount != cents(amount)
    ]
    expected_vat = cents(line.fee_vat_base * vat_rate / 100)
    if abs(line.fee_vat - expected_vat) > VAT_TOLERANCE:
        reasons.append(
            f"fee VAT {line.fee_vat} is not {vat_rate} % of the fee VAT base {line.fee_vat_base} "
            f"(expected {expected_vat})"
        )
    computed = computed_payout(line)
    if line.payout is not None and abs(line.payout - computed) > tolerance:
        reasons.append(
            f"the partner's payout {line.payout} differs from the computed payout {computed} "
            f"by more than the rounding tolerance {tolerance}"
        )
    if line.principal > open_amount:
        reasons.append(f"principal {line.principal} exceeds the open amount {open_amount}")
    return reasons
