"""``partner.remittance``: one settlement (bank payout), a line per case (DOMAIN §2.4).

Components are magnitudes except ``rounding`` and ``other``, which are signed. ``payout`` is the
partner's own figure for the line, checked against the computed one when given. A line may lack
our case id when the partner only knows its case number; the splitter resolves it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import Field, model_validator

from contracts.base import Contract, Payload, Seq, Text
from contracts.identity import CaseId, Segment, SettlementId
from contracts.money import Amount, Currency, SignedAmount

ZERO = Decimal("0.00")


class SettlementLine(Contract):
    """One case's share of a settlement; components default to zero."""

    case_no: Text
    case_id: CaseId | None = None
    principal: Amount = ZERO
    interest: Amount = ZERO
    kickback: Amount = ZERO
    commission: Amount = ZERO
    fee_vat_base: Amount = ZERO
    fee_vat: Amount = ZERO
    rounding: SignedAmount = ZERO
    other: SignedAmount = ZERO
    payout: Amount | None = None
    currency: Currency | None = None

    def computed_payout(self) -> Decimal:
        """principal + interest + kickback − commission − fee VAT + rounding + other."""
        return (
            self.principal
            + self.interest
            + self.kickback
            - self.commission
            - self.fee_vat
            + self.rounding
            + self.other
        )


def require_partner_prefix(settlement: str, partner: str) -> None:
    if not settlement.startswith(f"{partner}/"):
        raise ValueError("settlement_id must start with the partner id and '/'")


class SettlementReceived(Payload):
    """One partner payout; ``settlement_id`` is ``{partner}/{the partner's id}``."""

    message_type = "partner.settlement_received"

    partner: Segment
    settlement_id: SettlementId
    settlement_date: date
    currency: Currency
    lines: Seq[SettlementLine] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> SettlementReceived:
        require_partner_prefix(self.settlement_id, self.partner)
        if any(line.currency not in (None, self.currency) for line in self.lines):
            raise ValueError("a line's currency differs from the settlement's currency")
        return self

    def default_key(self) -> str | None:
        return self.settlement_id
