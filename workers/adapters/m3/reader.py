"""Reads from M3 what the poller and the ingress need: the invoice ledger and the debtor.

`customer` merges CRS610MI GetBasicData and GetFinancial (one bulk request) into a plain
`Customer`. Which customer types mean "private person" and which CLCD values block collection
are tenant conventions, hence parameters. Contact data and national ids are masked in repr.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from workers.adapters.m3 import transactions as tx
from workers.adapters.m3.ledger_record import LedgerRecord, ledger_record_from_fields
from workers.adapters.m3.mi_client import MIClient


@dataclass(frozen=True)
class Address:
    lines: tuple[str, ...]
    postcode: str
    city: str
    country: str


@dataclass(frozen=True)
class Customer:
    customer_no: str
    name: str
    org_no: str
    national_id: str = field(repr=False)
    private: bool
    address: Address = field(repr=False)
    email: str = field(repr=False)
    phone: str = field(repr=False)
    reminder_rule: str
    collection_blocked: bool


@dataclass(frozen=True)
class InvoiceTotals:
    division: str
    invoice: str
    year: int
    currency: str
    amount: Decimal
    paid: Decimal
    open_amount: Decimal


class M3Reader:
    def __init__(self, client: MIClient, company: str, *, private_customer_types: frozenset[str] = frozenset({"1"}),
                 blocking_customer_codes: frozenset[str] = frozenset({"1"})) -> None:
        self._client = client
        self._company = company
        self._private_types = private_customer_types
        self._blocking = blocking_customer_codes

    async def list_invoices(self, division: str, *, customer: str | None = None,
                            open_only: bool = False) -> list[LedgerRecord]:
        record = {"CONO": self._company, "DIVI": division}
        if customer:
            record["CUNO"] = customer
        if open_only:
            record["OPEN"] = "1"
        rows = await self._client.call(tx.ARS200MI, tx.LST_INV_BY_DIVI, record, maxrecs=0)
        return [ledger_record_from_fields(row, f"{tx.ARS200MI}/{tx.LST_INV_BY_DIVI}") for row in rows]

    async def invoice_totals(self, division: str, invoice: str, year: int) -> InvoiceTotals:
        rows = await self._client.call(tx.ARS200MI, tx.GET_INV_TOT_INFO,
                                       {"CONO": self._company, "DIVI": division, "CINO": invoice, "INYR": year})
        row = rows[0]
        return InvoiceTotals(division, invoice, year, row.get("CUCD", ""), Decimal(row.get("CUAM") or 0),
                             Decimal(row.get("PAAM") or 0), Decimal(row.get("OCUA") or 0))

    async def customer(self, customer_no: str) -> Customer:
        key = {"CONO": self._company, "CUNO": customer_no}
        basic, financial = await self._client.execute(tx.CRS610MI, [(tx.GET_BASIC_DATA, key), (tx.GET_FINANCIAL, key)])
        for result in (basic, financial):
            if not result.ok or not result.records:
                raise result.error(tx.CRS610MI)
        b, f = basic.records[0], financial.records[0]
        return Customer(
            customer_no=customer_no, name=b.get("CUNM", ""), org_no=f.get("CORG", ""),
            national_id=f.get("PNID", ""), private=b.get("CUTP", "") in self._private_types,
            address=Address(tuple(b[k] for k in ("CUA1", "CUA2", "CUA3", "CUA4") if b.get(k)),
                            b.get("PONO", ""), b.get("TOWN", ""), b.get("CSCD", "")),
            email=b.get("EMAL", ""), phone=b.get("PHNO", ""), reminder_rule=f.get("RMCT", ""),
            collection_blocked=f.get("CLCD", "") in self._blocking)
