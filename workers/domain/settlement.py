"""Deciding one settlement line: book it, or hand it to a person (DOMAIN §2.4).

When the partner's payout differs from ours within the rounding tolerance, the bank received
the partner's figure, so that is the line amount, and the difference is booked as rounding;
otherwise the details would not add up to the money on the account.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from workers.domain.configuration import AccountMapping
from workers.domain.journal import JournalLine, is_balanced, journal
from workers.domain.money import ZERO, cents
from workers.domain.settlement_line import SettlementLine, computed_payout, validate_line
from workers.domain.statement import Detail, statement_details


@dataclass(frozen=True, slots=True)
class Accepted:
    """`line` is what was booked: the partner's line with any payout difference in `rounding`."""

    payout: Decimal
    details: tuple[Detail, ...]
    journal: tuple[JournalLine, ...]
    open_amount_after: Decimal
    line: SettlementLine


@dataclass(frozen=True, slots=True)
class Discrepancy:
    reasons: tuple[str, ...]


SettlementDecision = Accepted | Discrepancy


def settle_line(
    line: SettlementLine,
    *,
    open_amount: Decimal,
    vat_rate: Decimal,
    tolerance: Decimal,
    accounts: AccountMapping,
    invoice: str,
    year: int,
    kid: str | None,
    text: str,
) -> SettlementDecision:
    reasons = validate_line(line, open_amount, vat_rate, tolerance)
    if reasons:
        return Discrepancy(tuple(reasons))
    booked = _with_payout_difference_as_rounding(line)
    payout = computed_payout(booked)
    postings = journal(booked, payout, accounts, text)
    if not is_balanced(postings):
        return Discrepancy(("the journal does not balance",))
    return Accepted(
        payout=payout,
        details=tuple(statement_details(booked, invoice, year, kid)),
        journal=tuple(postings),
        open_amount_after=max(cents(open_amount - line.principal), ZERO),
        line=booked,
    )


def _with_payout_difference_as_rounding(line: SettlementLine) -> SettlementLine:
    if line.payout is None:
        return line
    difference = line.payout - computed_payout(line)
    return replace(line, rounding=line.rounding + difference)
