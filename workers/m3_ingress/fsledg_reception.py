"""An FSLEDG row becomes a message: the mapping, plus the CRS610 call it may need.

Shared by the CMS049 endpoint and the poller, so both ask M3 the same question and hand the
same inputs to `fsledg_mapping`. The customer is read only when the row can become an overdue
invoice; within one poll pass a customer is read once (`customers` cache).
"""

from __future__ import annotations

from contracts import InvoiceOverdue, PostingBooked
from workers.adapters.m3 import Customer, LedgerRecord, TransactionCodes
from workers.domain.configuration import Configuration
from workers.m3_ingress.fsledg_mapping import (
    SANDBOX_CODES,
    Ignored,
    customer_needed,
    ledger_message,
    reminder_thresholds,
)
from workers.m3_ingress.m3_connection import M3Connection


class FsledgReception:
    def __init__(self, m3: M3Connection, codes: TransactionCodes = SANDBOX_CODES) -> None:
        self._m3 = m3
        self.codes = codes

    async def translate(self, record: LedgerRecord, configuration: Configuration, *,
                        customers: dict[tuple[str, str], Customer] | None = None,
                        ) -> InvoiceOverdue | PostingBooked | Ignored:
        """`InvoiceOverdue`, `PostingBooked` or `Ignored`; M3 errors and `UnmappableRecord` raise."""
        company = record.company or configuration.company
        thresholds = reminder_thresholds(configuration)
        customer = None
        if customer_needed(record, thresholds, self.codes):
            customer = await self._customer(company, record.customer, customers)
        return ledger_message(record, company=company, thresholds=thresholds, customer=customer,
                              codes=self.codes)

    async def _customer(self, company: str, number: str,
                        cache: dict[tuple[str, str], Customer] | None) -> Customer:
        if cache is not None and (company, number) in cache:
            return cache[(company, number)]
        customer = await self._m3.reader(company).customer(number)
        if cache is not None:
            cache[(company, number)] = customer
        return customer

