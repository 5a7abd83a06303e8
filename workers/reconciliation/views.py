"""Gathering the three views for one run: our log from Kafka, then M3 and every partner at once.

Our side is read first (the `case.events` reader and the live configuration every command
uses), because it says what to ask the others about: which divisions to list in M3, which
references to look up at which partner. A system that cannot be read stops the run with the
reason (`Unreadable`): a reconciliation that silently skipped M3 would look clean when it is not.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from workers.adapters.m3 import M3Error, load_ionapi
from workers.adapters.partner import PartnerError
from workers.config_events.store import current_configuration
from workers.domain.configuration import Configuration
from workers.infra.settings import Settings
from workers.partner_gateway.connection import PartnerSetupError
from workers.projections.replay import log_events
from workers.reconciliation.m3_view import m3_client, posted_statements, read_invoices
from workers.reconciliation.model import LogCase, PartnerCase, SettlementPart, Views
from workers.reconciliation.ourlog import from_events
from workers.reconciliation.partner_view import partner_reader, read_cases

Tick = Callable[[int], None]
Track = Callable[[str, int], Tick]
"""(what is being read, how many steps) -> a function to call as steps complete."""


def no_progress(label: str, total: int) -> Tick:
    return lambda n: None


class Unreadable(RuntimeError):
    """M3 or a partner could not be read; the message names the system and the reason."""


@dataclass(frozen=True)
class Request:
    settings: Settings
    m3_url: str | None = None
    division: str | None = None
    partner: str | None = None

    def covers(self, division: str, partner: str) -> bool:
        return self.division in (None, division) and self.partner in (None, partner)


def gather(request: Request, track: Track = no_progress) -> Views:
    tick = track("case.events", 1)
    log, parts = from_events(log_events(request.settings))
    configuration = current_configuration(request.settings)
    tick(1)
    return asyncio.run(_outside(request, configuration, log, parts, track))


async def _outside(request: Request, configuration: Configuration | None, log: dict[str, LogCase],
                   parts: tuple[SettlementPart, ...], track: Track) -> Views:
    links = configuration.divisions if configuration is not None else {}
    scoped = [case for case in log.values() if request.covers(case.division, case.partner)]
    scoped_parts = [part for part in parts if request.covers(part.division, part.partner)]
    divisions = sorted({c.division for c in scoped} | {p.division for p in scoped_parts}
                       | {d for d, link in links.items() if request.covers(d, link.partner)}
                       | ({request.division} if request.division and not request.partner else set()))
    company = configuration.company if configuration is not None else next(
        (case_id.split("/")[0] for case_id in log), None)
    partners = sorted({case.partner for case in scoped})
    jobs = [_read_partner(request, configuration, partner, [c.case_id for c in scoped if c.partner == partner],
                          track) for partner in partners]
    read_m3 = bool(divisions and company)
    if read_m3:
        jobs.insert(0, _read_m3(request, str(company), divisions, scoped, scoped_parts, track))
    results = await asyncio.gather(*jobs)
    invoices, posted = results.pop(0) if read_m3 else ({}, None)
    found: dict[str, tuple[PartnerCase, ...]] = {}
    for cases in results:
        found.update(cases)
    return Views(log=log, settlements=parts, m3=invoices, m3_divisions=frozenset(divisions if read_m3 else ()),
                 m3_posted_statements=posted, partner=found, partners_read=frozenset(partners),
                 division_partner={d: link.partner for d, link in links.items()},
                 division_scope=request.division, partner_scope=request.partner)


async def _read_m3(request: Request, company: str, divisions: list[str], scoped: list[LogCase],
                   parts: list[SettlementPart], track: Track):
    ionapi = request.settings.m3_ionapi_file
    if ionapi is None:
        raise Unreadable("reading M3 needs its .ionapi credentials file: set DCS_M3_IONAPI_FILE (or give --run)")
    try:
        credentials = load_ionapi(ionapi)
    except (OSError, ValueError) as error:
        raise Unreadable(f"M3 credentials {ionapi}: {error}") from None
    case_ids = [case.case_id for case in scoped]
    tick = track("M3", len(divisions) + len(case_ids))
    references = [(part.division, part.external_reference) for part in parts if part.posted]
    try:
        async with m3_client(credentials, request.m3_url) as client:
            invoices = await read_invoices(client, company, divisions, case_ids, tick)
            return invoices, await posted_statements(client, company, references)
    except (M3Error, httpx.HTTPError, ValueError) as error:
        raise Unreadable(f"M3: {error}") from None


async def _read_partner(request: Request, configuration: Configuration | None, partner: str,
                        references: list[str], track: Track) -> dict[str, tuple[PartnerCase, ...]]:
    config = configuration.partners.get(partner) if configuration is not None else None
    tick = track(partner, len(references))
    try:
        async with partner_reader(partner, request.settings, config) as reader:
            return await read_cases(reader, references, tick)
    except (PartnerSetupError, PartnerError, httpx.HTTPError) as error:
        raise Unreadable(f"partner {partner}: {error}") from None
