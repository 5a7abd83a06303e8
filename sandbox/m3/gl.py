"""The GL journal a posted bank statement produces: M3's ABS911 allocation rules in small.

ABS911 maps a statement detail's transaction type to an account; here the table comes from the
tenant's account mapping loaded via `/_sandbox/load` (per division, "*" as default), with the
same keys as DOMAIN §2.4. Amounts on details are seen from the payout: a positive detail adds to
what the partner paid out. So the bank clearing account is debited with the line amount and
every detail credits its account with its signed amount (a negative detail becomes a debit),
which yields exactly the DOMAIN §2.4 journal and always balances when the non-memo details sum
to the line amount and the memo pair nets to zero.
"""

from __future__ import annotations

from decimal import Decimal

from sandbox.m3.ledger import JournalLine, Statement
from sandbox.m3.records import NOT_FOUND, MIError

DETAIL_ACCOUNT_KEYS = {
    "INV": "receivable", "INTEREST": "interest", "KICKBACK": "kickback",
    "COMMISSION": "commission", "FEEVAT": "input_vat", "VATBASE": "vat_base",
    "VATBASEO": "vat_base_offset", "ROUNDING": "rounding", "OTHER": "other",
}
MEMO_TYPES = frozenset({"VATBASE", "VATBASEO"})
ZERO = Decimal("0")


def account_for(accounts: dict[str, dict[str, str]], division: str, key: str) -> str:
    mapping = {**accounts.get("*", {}), **accounts.get(division, {})}
    account = mapping.get(key, "")
    if not account:
        raise MIError(f"No account for {key} in division {division} (ABS911)", NOT_FOUND, "BLTT")
    return account


def journal_for(statement: Statement, accounts: dict[str, dict[str, str]],
                company: str) -> list[JournalLine]:
    lines: list[JournalLine] = []
    for line in statement.lines.values():
        case_id = next((f"{company}/{statement.division}/{d.invoice}/{d.year}"
                        for d in line.details.values() if d.type == "INV"), "")
        postings = [("clearing", -line.amount, line.text or "payout")]
        postings += [(DETAIL_ACCOUNT_KEYS[d.type], d.amount, d.type) for d in line.details.values()]
        for key, credit_amount, text in postings:
            if credit_amount == ZERO:
                continue
            lines.append(JournalLine(
                statement.external_reference, statement.division, statement.job_number, line.number,
                case_id, account_for(accounts, statement.division, key),
                debit=-credit_amount if credit_amount < ZERO else ZERO,
                credit=credit_amount if credit_amount > ZERO else ZERO, text=text))
    return lines
