"""The general-ledger journal of one settlement line, as M3 will post it (DOMAIN §2.4).

The journal is derived from the statement details, detail type → account, the way the tenant's
ABS911 rules do it; the clearing account takes the payout. Deriving it from the same details
means our record and M3's posting cannot disagree, and the balance check before sending catches
a payout that the details do not explain.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from workers.domain.configuration import AccountMapping
from workers.domain.money import ZERO, cents
from workers.domain.settlement_line import SettlementLine
from workers.domain.statement import component_amounts

ACCOUNT_KEY_FOR_DETAIL = {
    "INV": "receivable",
    "INTEREST": "interest",
    "KICKBACK": "kickback",
    "COMMISSION": "commission",
    "FEEVAT": "input_vat",
    "VATBASE": "vat_base",
    "VATBASEO": "vat_base_offset",
    "ROUNDING": "rounding",
    "OTHER": "other",
}


@dataclass(frozen=True, slots=True)
class JournalLine:
    account: str
    debit: Decimal
    credit: Decimal
    text: str

    @property
    def net(self) -> Decimal:
        return self.debit - self.credit


def _posting(account: str, net: Decimal, text: str) -> JournalLine:
    net = cents(net)
    return JournalLine(account, max(net, ZERO), max(-net, ZERO), text)


def journal(
    line: SettlementLine, payout: Decimal, accounts: AccountMapping, text: str
) -> list[JournalLine]:
    """Dr clearing the payout; each detail posts the opposite of its sign (money in is a credit)."""
    postings = [_posting(accounts.clearing, payout, text)] if payout else []
    for kind, amount in component_amounts(line):
        account = getattr(accounts, ACCOUNT_KEY_FOR_DETAIL[kind])
        postings.append(_posting(account, -amount, text))
    return postings


def is_balanced(lines: list[JournalLine]) -> bool:
    return sum((j.debit for j in lines), ZERO) == sum((j.credit for j in lines), ZERO)
