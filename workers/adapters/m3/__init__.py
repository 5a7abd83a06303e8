"""Infor M3 adapter: ION API auth, MI REST v2 client, the writer port and the ledger readers.

Public API:
- `load_ionapi`, `IonApiConfig`, `TokenProvider`              (ionapi)
- `MIClient`, `TransactionResult`, `RetryPolicy`              (mi_client, retry)
- `M3Error`, `M3PermanentError`, `M3TransientError` (`M3RecordLocked`), `M3AuthError` (errors)
- `M3Writer`, `WriteOutcome`, `Statement`, `StatementLine`, `StatementDetail`, `line_details`
- `M3Reader`, `Customer`, `Address`, `InvoiceTotals`
- `LedgerRecord`, `TransactionCodes`, `ledger_record_from_fields`, `parse_cms049`, `parse_cms049_event`
- `CustomTransactionSet`, `StatementTransactions`               (transactions: names in one place)
"""

from workers.adapters.m3.cms049 import Cms049Event, parse_cms049, parse_cms049_event
from workers.adapters.m3.errors import M3AuthError, M3Error, M3PermanentError, M3RecordLocked, M3TransientError
from workers.adapters.m3.ionapi import IonApiConfig, TokenProvider, load_ionapi
from workers.adapters.m3.ledger_record import LedgerRecord, TransactionCodes, ledger_record_from_fields
from workers.adapters.m3.mi_client import MIClient
from workers.adapters.m3.mi_results import TransactionResult
from workers.adapters.m3.reader import Address, Customer, InvoiceTotals, M3Reader
from workers.adapters.m3.retry import RetryPolicy
from workers.adapters.m3.statement import Statement, StatementDetail, StatementLine, line_details
from workers.adapters.m3.transactions import CustomTransactionSet, StatementTransactions
from workers.adapters.m3.writer import M3Writer, WriteOutcome

__all__ = [
    "Address", "Cms049Event", "Customer", "CustomTransactionSet", "InvoiceTotals", "IonApiConfig", "LedgerRecord",
    "M3AuthError", "M3Error", "M3PermanentError", "M3Reader", "M3RecordLocked", "M3TransientError", "M3Writer", "MIClient",
    "RetryPolicy", "Statement", "StatementDetail", "StatementLine", "StatementTransactions", "TokenProvider",
    "TransactionCodes", "TransactionResult", "WriteOutcome", "ledger_record_from_fields", "line_details",
    "load_ionapi", "parse_cms049", "parse_cms049_event",
]
