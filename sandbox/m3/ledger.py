"""The tenant's data the sandbox holds: customers (OCUSMA), invoices (FSLEDG + FSLEDX info).

Plain mutable dataclasses: the sandbox is the system of record here, exactly as M3 is in
production, and every simulated transaction reads and changes these objects directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass
class Customer:
    customer: str
    name: str = ""
    org_no: str = ""
    national_id: str = ""
    private: bool = False
    address_lines: list[str] = field(default_factory=list)
    postcode: str = ""
    city: str = ""
    country: str = ""
    email: str = ""
    phone: str = ""
    reminder_rule: str = ""
    collection_blocked: bool = False


@dataclass
class Voucher:
    """FSLEDG's internal key (YEA4/JRNO/JSNO): what ARS251MI needs and posting ids are made of."""

    year: int
    journal: int
    sequence: int


@dataclass
class Invoice:
    division: str
    customer: str
    invoice: str
    year: int
    invoice_date: date
    due_date: date
    amount: Decimal
    open_amount: Decimal
    currency: str
    voucher: Voucher
    payer: str = ""
    kid: str = ""
    reminder_rule: str = ""
    collection_code: int = 0
    reminders: int = 0
    last_reminder: date | None = None
    reminder_stop: int = 0
    stopped_by: str = ""
    stop_date: date | None = None
    info: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.division, self.invoice, self.year)


@dataclass
class StatementDetail:
    number: int
    type: str
    amount: Decimal
    invoice: str = ""
    year: int = 0
    kid: str = ""
    vat_code: str = ""


@dataclass
class StatementLine:
    number: int
    amount: Decimal
    payer: str
    text: str = ""
    details: dict[int, StatementDetail] = field(default_factory=dict)


@dataclass
class Statement:
    """An ABS100 bank statement: head (job number/date/time), lines, details."""

    job_number: str
    job_date: str
    job_time: str
    division: str
    external_reference: str
    bank_account: str
    statement_date: date | None
    currency: str
    status: str = "10"
    lines: dict[int, StatementLine] = field(default_factory=dict)

    @property
    def posted(self) -> bool:
        return self.status == "90"


@dataclass
class JournalLine:
    """One GL line booked when a statement is posted (the ABS911 result)."""

    external_reference: str
    division: str
    job_number: str
    line: int
    case_id: str
    account: str
    debit: Decimal
    credit: Decimal
    text: str
