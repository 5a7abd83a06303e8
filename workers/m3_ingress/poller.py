"""The safety net under M3's fire-and-forget events: list the ledger and publish what is overdue.

M3's Event Subscriber does not retry, so an event lost in transit is found only by reading
`ARS200MI/LstInvByDivi` (DOMAIN §5). Each pass lists the open invoices of the polled divisions
and runs every row through the same `FsledgReception` as a CMS049 event, so an invoice reaches
`ledger.overdue` as the very message (same event id) the event would have produced; the case
processor recognises the second one as a duplicate.

Within a process, an invoice is published once per reminder stage: the pass remembers the event
ids still overdue and skips them next time (before asking M3 for the customer). A restart
publishes them once more, which is harmless. Payments are not polled: the ledger list has no
posting rows, and a posting's open amount after it belongs to the event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from contracts import Envelope, InvoiceOverdue
from workers.adapters.m3 import Customer, M3AuthError, M3PermanentError, M3TransientError
from workers.config_events.follower import LiveView
from workers.infra.health import WorkerHealth
from workers.infra.logs import get_logger
from workers.m3_ingress.event_ids import overdue_event_id
from workers.m3_ingress.fsledg_mapping import UnmappableRecord
from workers.m3_ingress.fsledg_reception import FsledgReception
from workers.m3_ingress.m3_connection import M3Connection
from workers.m3_ingress.messages import message_for
from workers.m3_ingress.publisher import Publisher

log = get_logger(__name__)


@dataclass
class PollReport:
    divisions: tuple[str, ...] = ()
    listed: int = 0
    published: list[Envelope[Any]] = field(default_factory=list)
    unmappable: int = 0
    deferred: int = 0


def poll_divisions(setting: str) -> tuple[str, ...]:
    """`DCS_M3_POLL_DIVISIONS` ("001,002"); empty means the configured divisions."""
    return tuple(dict.fromkeys(part.strip() for part in setting.split(",") if part.strip()))


class Poller:
    def __init__(self, divisions: tuple[str, ...], view: LiveView, m3: M3Connection,
                 reception: FsledgReception, publisher: Publisher, health: WorkerHealth) -> None:
        self._divisions = divisions
        self._view, self._m3, self._reception = view, m3, reception
        self._publisher, self._health = publisher, health
        self._published: set[UUID] = set()

    async def poll_once(self) -> PollReport:
        """One pass over every polled division; raises when listing or Kafka fail (nothing is marked).

        A record that cannot be read now (its customer locked, one call timing out) is left for the
        next pass instead of failing the pass: on a big ledger some call always fails.
        """
        configuration = self._view.configuration
        if configuration is None:
            return PollReport()
        divisions = self._divisions or tuple(sorted(configuration.divisions))
        reader = self._m3.reader(configuration.company)
        report, still_overdue = PollReport(divisions), set()
        customers: dict[tuple[str, str], Customer] = {}
        messages = []
        for division in divisions:
            for record in await reader.list_invoices(division, open_only=True):
                report.listed += 1
                if self._reception.codes.kind(record) != "invoice":
                    continue
                known = overdue_event_id(record.case_id(record.company or configuration.company),
                                         record.reminders, record.last_reminder_date)
                if known in self._published:
                    still_overdue.add(known)
                    continue
                try:
                    translated = await self._reception.translate(record, configuration, customers=customers)
                except M3AuthError:
                    raise
                except (UnmappableRecord, M3PermanentError) as error:
                    report.unmappable += 1
                    log.warning("m3_poll_unmappable", case_id=record.case_id(configuration.company),
                                reason=str(error)[:300])
                    continue
                except M3TransientError:
                    report.deferred += 1  # e.g. the customer record locked: left for the next pass
                    continue
                if isinstance(translated, InvoiceOverdue):
                    messages.append(message_for(translated))
        await self._publisher.publish(messages)
        report.published = [envelope for _, envelope in messages]
        self._published = still_overdue | {envelope.event_id for envelope in report.published}
        self._count(report)
        return report

    def _count(self, report: PollReport) -> None:
        self._health.count("m3_poll_passes")
        self._health.count("m3_poll_published", len(report.published))
        self._health.count("m3_poll_unmappable", report.unmappable)
        self._health.count("m3_poll_deferred", report.deferred)
        if report.published or report.unmappable or report.deferred:
            log.info("m3_poll_done", divisions=list(report.divisions), listed=report.listed,
                     published=len(report.published), unmappable=report.unmappable, deferred=report.deferred)

