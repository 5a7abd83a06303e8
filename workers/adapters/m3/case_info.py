"""Where an invoice's collection categories (997/998/999) are read and written in M3.

Two tenant options behind one small interface: the custom XtendM3 set (keyed by invoice
number, the default) and standard ARS251MI (keyed by the ledger's internal YEA4/JRNO/JSNO, which
is looked up through ARS200MI first).
"""

from __future__ import annotations

from typing import Protocol

from workers.adapters.m3 import transactions as tx
from workers.adapters.m3.errors import M3PermanentError
from workers.adapters.m3.mi_client import MIClient

InvoiceKey = tuple[str, str, str, int]  # company, division, invoice, year


class CaseInfoStore(Protocol):
    async def categories(self, key: InvoiceKey) -> dict[str, str]: ...
    async def add(self, key: InvoiceKey, category: str, value: str) -> None: ...
    async def delete(self, key: InvoiceKey, category: str) -> None: ...


class CustomCaseInfo:
    def __init__(self, client: MIClient, names: tx.CustomTransactionSet) -> None:
        self._client, self._names = client, names

    @staticmethod
    def _record(key: InvoiceKey) -> dict[str, str]:
        company, division, invoice, year = key
        return {"CONO": company, "DIVI": division, "CINO": invoice, "INYR": str(year)}

    async def categories(self, key: InvoiceKey) -> dict[str, str]:
        rows = await self._client.call(self._names.program, self._names.list_case_info, self._record(key), maxrecs=0)
        return {r["SEXN"]: r.get("SEXI", "") for r in rows if r.get("SEXN")}

    async def add(self, key: InvoiceKey, category: str, value: str) -> None:
        await self._client.call(self._names.program, self._names.add_case_info,
                                {**self._record(key), "SEXN": category, "SEXI": value})

    async def delete(self, key: InvoiceKey, category: str) -> None:
        await self._client.call(self._names.program, self._names.delete_case_info,
                                {**self._record(key), "SEXN": category})


class Ars251CaseInfo:
    def __init__(self, client: MIClient) -> None:
        self._client = client
        self._vouchers: dict[InvoiceKey, dict[str, str]] = {}

    async def _record(self, key: InvoiceKey) -> dict[str, str]:
        if key not in self._vouchers:
            company, division, invoice, year = key
            rows = await self._client.call(tx.ARS200MI, tx.LST_INV_BY_DIVI,
                                           {"CONO": company, "DIVI": division, "CINO": invoice, "INYR": str(year)})
            row = next((r for r in rows if r.get("TRCD") == "10"), rows[0] if rows else None)
            if row is None:
                raise M3PermanentError(f"invoice {invoice}/{year} not found in division {division}",
                                       program=tx.ARS200MI, transaction=tx.LST_INV_BY_DIVI)
            self._vouchers[key] = {"CONO": company, "DIVI": division,
                                   **{k: row.get(k, "") for k in ("YEA4", "JRNO", "JSNO")}}
        return self._vouchers[key]

    async def categories(self, key: InvoiceKey) -> dict[str, str]:
        rows = await self._client.call(tx.ARS251MI, tx.LST_INV_INFO, await self._record(key), maxrecs=0)
        return {r["SEXN"]: r.get("SEXI", "") for r in rows if r.get("SEXN")}

    async def add(self, key: InvoiceKey, category: str, value: str) -> None:
        await self._client.call(tx.ARS251MI, tx.ADD_INFO_CAT, {**await self._record(key), "SEXN": category, "SEXI": value})

    async def delete(self, key: InvoiceKey, category: str) -> None:
        await self._client.call(tx.ARS251MI, tx.DLT_INFO_CAT, {**await self._record(key), "SEXN": category})
