"""The explicit map from an `m3.commands` message to the adapter call that carries it out.

Every handler returns the adapter's `WriteOutcome` and never raises for an M3 problem: the
writer already turns M3 errors into outcomes, and the statement's payer lookup (a read before
the write) is classified the same way here. Repeating any handler is safe — reminder stop and
case info are set-to-value, and a statement is looked up by its external reference before it is
created — which is what lets the runner retry and Kafka redeliver freely.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from contracts import Envelope, PostStatement, SetCaseInfo, SetReminderStop
from workers.adapters.m3 import M3Error, M3PermanentError, M3Writer, MIClient, WriteOutcome
from workers.m3_gateway.payers import PayerBook
from workers.m3_gateway.statements import missing_payers, to_statement

PayerLookup = Callable[[list[str]], Awaitable[dict[str, str]]]


class CommandExecutor:
    def __init__(self, writer: M3Writer, payers: PayerLookup) -> None:
        self._writer = writer
        self._payers = payers
        self._handlers: dict[str, Callable[[Any], Awaitable[WriteOutcome]]] = {
            "m3.set_reminder_stop": self.set_reminder_stop,
            "m3.set_case_info": self.set_case_info,
            "m3.post_statement": self.post_statement,
        }

    @classmethod
    def for_client(cls, writer: M3Writer, client: MIClient) -> CommandExecutor:
        return cls(writer, PayerBook(client))

    async def __call__(self, command: Envelope) -> WriteOutcome:
        return await self._handlers[command.type](command.payload)

    async def set_reminder_stop(self, c: SetReminderStop) -> WriteOutcome:
        return await self._writer.set_reminder_stop(c.company, c.division, c.invoice, c.year, c.code,
                                                    c.stopped_by, c.stop_date)

    async def set_case_info(self, c: SetCaseInfo) -> WriteOutcome:
        return await self._writer.set_case_info(c.company, c.division, c.invoice, c.year, dict(c.add),
                                                list(c.remove))

    async def post_statement(self, c: PostStatement) -> WriteOutcome:
        unknown = missing_payers(c)
        try:
            payers = await self._payers(unknown) if unknown else {}
        except M3PermanentError as error:
            return WriteOutcome(False, True, f"payer lookup: {error}")
        except M3Error as error:
            return WriteOutcome(False, False, f"payer lookup: {error}")
        return await self._writer.post_statement(to_statement(c, payers))
