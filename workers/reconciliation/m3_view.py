"""M3's view, read over the real adapter (ION API token, MI REST v2), as the poller reads it.

Per division one `ARS200MI/LstInvByDivi` of the open ledger (the same read the poller makes)
gives every invoice with money open and its reminder stop. Invoices of our cases that are no
longer open (paid, settled) are then looked up by number, in bulk requests of up to 100
transactions, rather than listing a division's whole history. Posted statements are found by
their external reference with `ABS100MI/LstStatmtHead`, as the statement poster does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import replace

import httpx

from workers.adapters.m3 import IonApiConfig, LedgerRecord, M3Reader, MIClient, TokenProvider, TransactionCodes
from workers.adapters.m3 import transactions as tx
from workers.adapters.m3.ledger_record import ledger_record_from_fields
from workers.reconciliation.model import M3Invoice

BULK = 100
POSTED = "90"


@asynccontextmanager
async def m3_client(config: IonApiConfig, m3_url: str | None = None) -> AsyncIterator[MIClient]:
    """A client for the `.ionapi` credentials; `m3_url` replaces their gateway URL (a moved sandbox)."""
    if m3_url:
        url = m3_url.rstrip("/")
        pu = url + config.pu[len(config.iu):] if config.pu.startswith(config.iu) else config.pu
        config = replace(config, iu=url, pu=pu)
    async with httpx.AsyncClient(timeout=30) as http:
        yield MIClient(http, TokenProvider(http, config))


def _invoice(record: LedgerRecord, company: str) -> M3Invoice:
    return M3Invoice(record.case_id(company), record.open_amount, record.reminder_stop, record.stopped_by,
                     record.currency)


async def read_invoices(client: MIClient, company: str, divisions: Iterable[str], case_ids: Iterable[str],
                        tick: Callable[[int], None] = lambda n: None) -> dict[str, M3Invoice]:
    """Open invoices of `divisions`, plus those of `case_ids` (in those divisions) not open any more."""
    codes, reader, wanted = TransactionCodes(), M3Reader(client, company), set(divisions)
    found: dict[str, M3Invoice] = {}
    for division in sorted(wanted):
        for record in await reader.list_invoices(division, open_only=True):
            if codes.kind(record) == "invoice":
                found[record.case_id(company)] = _invoice(record, company)
        tick(1)
    ours = [c for c in case_ids if c.split("/")[1] in wanted]
    tick(sum(1 for c in ours if c in found))
    rest = sorted(c for c in ours if c not in found)
    for start in range(0, len(rest), BULK):
        chunk = [case_id.split("/") for case_id in rest[start:start + BULK]]
        items = [(tx.LST_INV_BY_DIVI, {"CONO": company, "DIVI": division, "CINO": invoice, "INYR": year})
                 for _, division, invoice, year in chunk]
        for (_, division, invoice, year), result in zip(chunk, await client.execute(tx.ARS200MI, items)):
            if not result.ok:
                raise result.error(tx.ARS200MI)
            for fields in result.records:
                record = ledger_record_from_fields(fields, f"{tx.ARS200MI}/{tx.LST_INV_BY_DIVI}")
                if codes.kind(record) == "invoice" and (record.invoice, str(record.year)) == (invoice, year):
                    found[record.case_id(company)] = _invoice(record, company)
        tick(len(chunk))
    return found


async def posted_statements(client: MIClient, company: str, references: Iterable[tuple[str, str]],
                            names: tx.StatementTransactions = tx.StatementTransactions()) -> frozenset[str]:
    """Which of the (division, external reference) pairs M3 shows as a posted statement."""
    pairs = sorted(set(references))
    posted: set[str] = set()
    for start in range(0, len(pairs), BULK):
        chunk = pairs[start:start + BULK]
        items = [(names.list_heads, {"CONO": company, "DIVI": division, "XREF": xref}) for division, xref in chunk]
        for (_, xref), result in zip(chunk, await client.execute(names.program, items)):
            if not result.ok:
                raise result.error(names.program)
            if any(head.get("XREF") == xref and head.get("STAT") == POSTED for head in result.records):
                posted.add(xref)
    return frozenset(posted)
