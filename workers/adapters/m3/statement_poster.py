"""Posts one ABS100 statement so that it exists exactly once, whatever fails on the way.

The head is the only step M3 would happily repeat (a naive tenant does not check our external
reference), so it is never re-sent blind: before creating it, and after every uncertain failure
of creating it, the poster asks `LstStatmtHead` for the external reference. Lines and details
carry their own numbers, which M3 keys on, so re-sending them after any failure only produces
"already exists", taken as done. Validation of a statement already posted is recognised by
re-reading the head's status.
"""

from __future__ import annotations

from workers.adapters.m3.errors import M3PermanentError, M3TransientError
from workers.adapters.m3.mi_client import MIClient
from workers.adapters.m3.statement import Statement
from workers.adapters.m3.transactions import StatementTransactions, is_already_exists

POSTED = "90"
Head = dict[str, str]


class StatementPoster:
    def __init__(self, client: MIClient, names: StatementTransactions = StatementTransactions(),
                 head_attempts: int = 2) -> None:
        self._client, self._names, self._head_attempts = client, names, head_attempts

    async def post(self, st: Statement) -> tuple[Head, bool]:
        """Returns the head and whether it had already been posted before this call."""
        problems = st.problems()
        if problems:
            raise M3PermanentError("statement rejected before sending: " + "; ".join(problems))
        head = await self.find(st)
        if head and head.get("STAT") == POSTED:
            return head, True
        head = head or await self._create_head(st)
        await self._add_lines(st, head)
        await self._validate(st, head)
        return head, False

    async def find(self, st: Statement) -> Head | None:
        rows = await self._client.call(self._names.program, self._names.list_heads,
                                       {"CONO": st.company, "DIVI": st.division, "XREF": st.external_reference},
                                       maxrecs=0)
        rows = [r for r in rows if r.get("XREF") == st.external_reference]
        return next((r for r in rows if r.get("STAT") == POSTED), rows[0] if rows else None)

    async def _create_head(self, st: Statement) -> Head:
        record = {"CONO": st.company, "DIVI": st.division, "BKID": st.bank_account, "XREF": st.external_reference,
                  "STDT": st.statement_date.strftime("%Y%m%d"), "CUCD": st.currency}
        for attempt in range(1, self._head_attempts + 1):
            try:
                rows = await self._client.call(self._names.program, self._names.add_head, record, idempotent=False)
                return {**rows[0], "XREF": st.external_reference}
            except M3PermanentError as exc:
                if not is_already_exists(exc):
                    raise
                found = await self.find(st)
                if found:
                    return found
                raise
            except M3TransientError as exc:
                if not exc.uncertain:
                    raise
            found = await self.find(st)
            if found:
                return found
        raise M3TransientError(f"statement head {st.external_reference} not confirmed after "
                               f"{self._head_attempts} uncertain attempts", uncertain=True)

    async def _add_lines(self, st: Statement, head: Head) -> None:
        key = {"CONO": st.company, "DIVI": st.division, "JBNO": head["JBNO"]}
        items: list[tuple[str, dict[str, str]]] = []
        for n, line in enumerate(st.lines, 1):
            items.append((self._names.add_line, {**key, "LINO": str(n), "BLLF": str(line.amount),
                                                 "PYNO": line.payer, "CUCD": st.currency, "TX40": line.text}))
            for d_no, d in enumerate(line.details, 1):
                detail = {**key, "LINO": str(n), "DTNO": str(d_no), "BLTT": d.type, "BLNF": str(d.amount)}
                detail.update({k: v for k, v in (("CINO", d.invoice), ("INYR", d.year and str(d.year)),
                                                 ("IRNO", d.kid), ("VTCD", d.vat_code)) if v})
                items.append((self._names.add_detail, detail))
        for result in await self._client.execute(self._names.program, items):
            if not result.ok:
                error = result.error(self._names.program)
                if not is_already_exists(error):
                    raise error

    async def _validate(self, st: Statement, head: Head) -> None:
        try:
            await self._client.call(self._names.program, self._names.validate,
                                    {"CONO": st.company, "DIVI": st.division, "JBNO": head["JBNO"]})
        except M3PermanentError:
            now = await self.find(st)
            if not (now and now.get("STAT") == POSTED):
                raise
