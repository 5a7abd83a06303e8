"""`m3.post_statement` -> the adapter's ABS100 `Statement` (pure; no I/O).

The head names the company, division, the partner as bank account (BKID: the partner's payouts
arrive on an account the tenant sets up per partner in ABS100; the sandbox tenant names it after
the partner), the statement date, currency, and — through the adapter — the external reference
`{settlement id}/{division}` that makes a second posting impossible. One line per case payout:
the payout is the line amount, the payer is the invoice's payer, and the text is the case id so
an M3 user can find the case. The details are already signed the ABS100 way in the contract
(DOMAIN §2.4) and are passed through unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping

from contracts import PostStatement
from contracts.statement import StatementDetail as DetailContract
from contracts.statement import StatementLine as LineContract
from workers.adapters.m3 import Statement, StatementDetail, StatementLine

TEXT_LENGTH = 40  # ABS100 TX40


def missing_payers(command: PostStatement) -> list[str]:
    """Case ids of lines that do not name their payer (it must be read from M3 first)."""
    return sorted({line.case_id for line in command.lines if not line.payer})


def to_statement(command: PostStatement, payers: Mapping[str, str] | None = None) -> Statement:
    """The statement to post; ``payers`` fills in the payer of lines whose command left it out."""
    payers = payers or {}
    return Statement(
        settlement_id=command.settlement_id,
        company=command.company,
        division=command.division,
        bank_account=command.partner,
        statement_date=command.statement_date,
        currency=command.currency,
        lines=tuple(_line(line, payers) for line in command.lines),
    )


def _line(line: LineContract, payers: Mapping[str, str]) -> StatementLine:
    payer = line.payer or payers.get(line.case_id)
    if not payer:
        raise ValueError(f"no payer known for {line.case_id}")
    return StatementLine(amount=line.amount, payer=payer, details=tuple(_detail(d) for d in line.details),
                         text=line.case_id[:TEXT_LENGTH])


def _detail(detail: DetailContract) -> StatementDetail:
    return StatementDetail(type=detail.type, amount=detail.amount, invoice=detail.invoice, year=detail.year,
                           kid=detail.kid or "")
