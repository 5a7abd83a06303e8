"""Who paid the invoice of a statement line, when the command did not say (ABS100 wants PYNO).

The settlement flow knows the case but not always the invoice's payer, so the gateway reads it
from the ledger: ARS200MI LstInvByDivi filtered on the invoice, the invoice row's PYNO (falling
back to the customer, as M3 does when no separate payer is set). A case whose invoice M3 does
not know is a permanent failure of the whole statement.
"""

from __future__ import annotations

from collections.abc import Iterable

from contracts import parse_case_id
from workers.adapters.m3 import M3PermanentError, MIClient
from workers.adapters.m3 import transactions as tx

INVOICE_TRCD = "10"


async def lookup_payers(client: MIClient, case_ids: Iterable[str]) -> dict[str, str]:
    payers: dict[str, str] = {}
    for case_id in case_ids:
        key = parse_case_id(case_id)
        rows = await client.call(tx.ARS200MI, tx.LST_INV_BY_DIVI, {
            "CONO": key.company, "DIVI": key.division, "CINO": key.invoice, "INYR": str(key.year)}, maxrecs=0)
        rows = [r for r in rows if r.get("CINO") == key.invoice and r.get("INYR") == str(key.year)]
        row = next((r for r in rows if r.get("TRCD") == INVOICE_TRCD), rows[0] if rows else None)
        payer = row and (row.get("PYNO") or row.get("CUNO"))
        if not payer:
            raise M3PermanentError(f"invoice {key.invoice}/{key.year} does not exist in division {key.division}",
                                   program=tx.ARS200MI, transaction=tx.LST_INV_BY_DIVI)
        payers[case_id] = payer
    return payers
