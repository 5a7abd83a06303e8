"""Who paid the invoice of a statement line, when the command did not say (ABS100 wants PYNO).

The settlement flow knows the case but not always the invoice's payer, so the gateway reads it
from the ledger: ARS200MI LstInvByDivi filtered on the invoice, the invoice row's PYNO (falling
back to the customer, as M3 does when no separate payer is set). A case whose invoice M3 does
not know is a permanent failure of the whole statement.

A statement can have hundreds of lines, so the lookups go in bulk requests (one result per
invoice), and what was found is remembered (`PayerBook`): an invoice's payer does not change,
so when one lookup fails transiently — a record locked, a 503 — the retry asks only for the
invoices still unknown instead of starting the whole statement's lookups again.
"""

from __future__ import annotations

from collections.abc import Iterable

from contracts import parse_case_id
from workers.adapters.m3 import M3PermanentError, MIClient
from workers.adapters.m3 import transactions as tx

INVOICE_TRCD = "10"
REMEMBERED = 100_000


class PayerBook:
    def __init__(self, client: MIClient) -> None:
        self._client = client
        self._known: dict[str, str] = {}

    async def __call__(self, case_ids: Iterable[str]) -> dict[str, str]:
        wanted = list(dict.fromkeys(case_ids))
        unknown = [c for c in wanted if c not in self._known]
        if unknown:
            await self._look_up(unknown)
        return {case_id: self._known[case_id] for case_id in wanted}

    async def _look_up(self, case_ids: list[str]) -> None:
        keys = [parse_case_id(case_id) for case_id in case_ids]
        results = await self._client.execute(tx.ARS200MI, [
            (tx.LST_INV_BY_DIVI, {"CONO": k.company, "DIVI": k.division, "CINO": k.invoice, "INYR": str(k.year)})
            for k in keys], max_records=0)
        if len(self._known) > REMEMBERED:
            self._known.clear()
        failure = None
        for case_id, key, result in zip(case_ids, keys, results):
            if not result.ok:
                failure = failure or result.error(tx.ARS200MI)
                continue
            rows = [r for r in result.records if r.get("CINO") == key.invoice and r.get("INYR") == str(key.year)]
            row = next((r for r in rows if r.get("TRCD") == INVOICE_TRCD), rows[0] if rows else None)
            payer = row and (row.get("PYNO") or row.get("CUNO"))
            if not payer:
                raise M3PermanentError(f"invoice {key.invoice}/{key.year} does not exist in division {key.division}",
                                       program=tx.ARS200MI, transaction=tx.LST_INV_BY_DIVI)
            self._known[case_id] = payer
        if failure is not None:
            raise failure
