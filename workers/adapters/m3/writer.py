"""The port the M3 gateway worker calls: every write the service makes in M3.

Each operation is safe to repeat, because the gateway redelivers commands after crashes:
reminder stop and case info are set-to-value (the current categories are read first, so a
retry adds nothing twice), and a statement is looked up by its external reference before it is
created (see `StatementPoster`). M3 errors never escape: the result is a `WriteOutcome` the
gateway reports on `m3.outcomes` — ok, or failed permanently (a person must look), or failed
transiently (retry later).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Awaitable, Callable, Iterable, Literal, Mapping

import structlog

from workers.adapters.m3.case_info import Ars251CaseInfo, CaseInfoStore, CustomCaseInfo, InvoiceKey
from workers.adapters.m3.errors import M3Error, M3PermanentError
from workers.adapters.m3.mi_client import MIClient
from workers.adapters.m3.statement import Statement
from workers.adapters.m3.statement_poster import StatementPoster
from workers.adapters.m3.transactions import CustomTransactionSet, StatementTransactions, is_already_exists, is_not_found

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class WriteOutcome:
    ok: bool
    permanent: bool = False
    detail: str = ""
    references: Mapping[str, str] = field(default_factory=dict)


class M3Writer:
    def __init__(self, client: MIClient, *, custom: CustomTransactionSet = CustomTransactionSet(),
                 case_info: Literal["custom", "ars251"] = "custom",
                 statements: StatementTransactions = StatementTransactions()) -> None:
        self._client = client
        self._custom = custom
        self._info: CaseInfoStore = Ars251CaseInfo(client) if case_info == "ars251" else CustomCaseInfo(client, custom)
        self._poster = StatementPoster(client, statements)

    async def set_reminder_stop(self, company: str, division: str, invoice: str, year: int, code: int,
                                stopped_by: str | None, stop_date: date | None) -> WriteOutcome:
        record = {"CONO": company, "DIVI": division, "CINO": invoice, "INYR": str(year), "RMBL": str(code),
                  "BLBY": stopped_by or "", "BLDT": stop_date.strftime("%Y%m%d") if stop_date else "0"}

        async def write() -> dict[str, str]:
            await self._client.call(self._custom.program, self._custom.set_reminder_stop, record)
            return {"RMBL": str(code)}
        return await _outcome("set_reminder_stop", write)

    async def set_case_info(self, company: str, division: str, invoice: str, year: int,
                            add: Mapping[str | int, str], remove: Iterable[str | int]) -> WriteOutcome:
        key: InvoiceKey = (company, division, invoice, year)
        wanted = {str(k): str(v) for k, v in add.items()}
        dropped = {str(k) for k in remove} - set(wanted)

        async def write() -> dict[str, str]:
            current = await self._info.categories(key)
            for category in sorted(dropped & set(current)):
                await self._tolerate(self._info.delete(key, category), is_not_found)
            for category, value in sorted(wanted.items()):
                if current.get(category) == value:
                    continue
                if category in current:
                    await self._tolerate(self._info.delete(key, category), is_not_found)
                await self._tolerate(self._info.add(key, category, value), is_already_exists)
            final = await self._info.categories(key) if wanted else {}
            wrong = [c for c, v in wanted.items() if final.get(c) != v]
            if wrong:
                raise M3PermanentError(f"categories {wrong} hold other values than requested")
            return {f"SEXN{c}": v for c, v in sorted(wanted.items())}
        return await _outcome("set_case_info", write)

    async def post_statement(self, statement: Statement) -> WriteOutcome:
        async def write() -> dict[str, str]:
            head, already = await self._poster.post(statement)
            return {"JBNO": head.get("JBNO", ""), "JBDT": head.get("JBDT", ""), "JBTM": head.get("JBTM", ""),
                    "XREF": statement.external_reference, "already_posted": str(already).lower()}
        return await _outcome("post_statement", write)

    @staticmethod
    async def _tolerate(step: Awaitable[None], harmless: Callable[[M3PermanentError], bool]) -> None:
        """A concurrent or earlier attempt got there first: the wanted state holds already."""
        try:
            await step
        except M3PermanentError as exc:
            if not harmless(exc):
                raise


async def _outcome(operation: str, write: Callable[[], Awaitable[dict[str, str]]]) -> WriteOutcome:
    try:
        references = await write()
    except M3PermanentError as exc:
        log.warning("m3_write_failed", operation=operation, permanent=True, error=str(exc))
        return WriteOutcome(False, True, str(exc))
    except M3Error as exc:
        log.warning("m3_write_failed", operation=operation, permanent=False, error=str(exc))
        return WriteOutcome(False, False, str(exc))
    return WriteOutcome(True, False, "", references)
