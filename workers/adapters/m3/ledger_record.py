"""One FSLEDG row (invoice, payment or credit) as the service sees it, whatever brought it.

A CMS049 event and an `ARS200MI/LstInvByDivi` poll of the same invoice must yield equal
records, so both are parsed by `ledger_record_from_fields` from the same M3 field names. Amounts
are M3's signed values (a payment row's CUAM is negative; the open amount OCUA is the invoice's
after the posting). Transaction codes are tenant configuration: `TransactionCodes` says which
TRCD means invoice, payment or credit (the sandbox: 10, 20, 30).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

REQUIRED = ("DIVI", "CUNO", "CINO", "INYR", "TRCD", "CUAM", "OCUA")


@dataclass(frozen=True)
class LedgerRecord:
    company: str
    division: str
    customer: str
    payer: str
    invoice: str
    year: int
    invoice_date: date | None
    due_date: date | None
    accounting_date: date | None
    amount: Decimal
    open_amount: Decimal
    currency: str
    trcd: str
    reminders: int
    last_reminder_date: date | None
    reminder_rule: str
    collection_code: int
    reminder_stop: int
    stopped_by: str
    stop_date: date | None
    kid: str
    function: str | None
    posting_id: str | None

    def case_id(self, company: str | None = None) -> str:
        return f"{company or self.company}/{self.division}/{self.invoice}/{self.year}"


@dataclass(frozen=True)
class TransactionCodes:
    invoice: frozenset[str] = frozenset({"10"})
    payment: frozenset[str] = frozenset({"20"})
    credit: frozenset[str] = frozenset({"30"})

    def kind(self, record: LedgerRecord) -> str:
        """"invoice", "payment", "credit" or "other"."""
        for name in ("invoice", "payment", "credit"):
            if record.trcd in getattr(self, name):
                return name
        return "other"


def ledger_record_from_fields(fields: Mapping[str, Any], source: str = "FSLEDG record") -> LedgerRecord:
    """Parse M3 field names (no table prefix) into a record; ValueError lists every problem."""
    f = {str(k).upper(): "" if v is None else str(v).strip() for k, v in fields.items()}
    problems = [f"missing {k}" for k in REQUIRED if not f.get(k)]
    p = _Parser(f, problems)
    record = LedgerRecord(
        company=f.get("CONO", ""), division=f.get("DIVI", ""), customer=f.get("CUNO", ""),
        payer=f.get("PYNO") or f.get("CUNO", ""), invoice=f.get("CINO", ""), year=p.integer("INYR"),
        invoice_date=p.day("IVDT"), due_date=p.day("DUDT"), accounting_date=p.day("ACDT"),
        amount=p.amount("CUAM"), open_amount=p.amount("OCUA"), currency=f.get("CUCD", ""),
        trcd=f.get("TRCD", ""), reminders=p.integer("RMQT"), last_reminder_date=p.day("LRDT"),
        reminder_rule=f.get("RMCT", ""), collection_code=p.integer("CLCD"), reminder_stop=p.integer("RMBL"),
        stopped_by=f.get("BLBY", ""), stop_date=p.day("BLDT"), kid=f.get("PYRF", ""),
        function=f"{f['FEID']}-{f.get('FNCN', '')}" if f.get("FEID") else None,
        posting_id=_posting_id(f))
    if problems:
        raise ValueError(f"{source}: " + "; ".join(problems))
    return record


def _posting_id(f: dict[str, str]) -> str | None:
    if not (f.get("YEA4") and f.get("JRNO")):
        return None
    return f"{f.get('DIVI', '')}/{f['YEA4']}/{f['JRNO']}/{f.get('JSNO') or '1'}"


class _Parser:
    """Field conversions that collect problems instead of stopping at the first one."""

    def __init__(self, fields: dict[str, str], problems: list[str]) -> None:
        self.f, self.problems = fields, problems

    def integer(self, key: str) -> int:
        value = self.f.get(key, "")
        try:
            return int(value) if value else 0
        except ValueError:
            self.problems.append(f"{key} {value!r} is not a whole number")
            return 0

    def amount(self, key: str) -> Decimal:
        value = self.f.get(key, "")
        try:
            amount = Decimal(value) if value else Decimal(0)
            if amount.is_finite():
                return amount
        except InvalidOperation:
            pass
        self.problems.append(f"{key} {value!r} is not a decimal amount")
        return Decimal(0)

    def day(self, key: str) -> date | None:
        value = self.f.get(key, "")
        if value in ("", "0", "00000000"):
            return None
        try:
            if len(value) == 8 and value.isdigit():
                return date(int(value[:4]), int(value[4:6]), int(value[6:]))
        except ValueError:
            pass
        self.problems.append(f"{key} {value!r} is not a YYYYMMDD date")
        return None
