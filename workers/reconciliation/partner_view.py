"""The partners' view, read over the real adapter exactly as the partner gateway connects.

Endpoint and credentials come from the same lookup as the gateway's (`DCS_PARTNER_URLS`, the
secrets file or `DCS_PARTNER_<ID>_*`, the partner's configuration), and statuses are mapped with
the same configured words, so a reconciliation sees what the gateway would see. Each of our
cases is looked up by our reference (the case id the partner echoes), which also reveals
doubles and registrations the partner rejected. Lookups run a few at a time, never in a burst.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager

from workers.adapters.partner import make_auth
from workers.adapters.partner.reader import PartnerReader
from workers.domain.configuration.model import Partner
from workers.infra.settings import Settings
from workers.partner_gateway import connection as conn
from workers.partner_gateway.clients import status_mapping
from workers.partner_gateway.options import GatewayOptions
from workers.reconciliation.model import PartnerCase

CONCURRENCY = 8


@asynccontextmanager
async def partner_reader(partner: str, settings: Settings, config: Partner | None) -> AsyncIterator[PartnerReader]:
    """Raises `connection.PartnerSetupError` naming what is missing (URL, credentials)."""
    connection = conn.connection(partner, settings, config)
    auth = make_auth(connection.auth_method, connection.secret, client_id=connection.client_id,
                     token_url=connection.token_url)
    options = GatewayOptions()
    async with PartnerReader(partner, connection.base_url, auth, status_mapping(partner, config),
                             timeout=options.http_timeout, retry=options.call_retry) as reader:
        yield reader


async def read_cases(reader: PartnerReader, references: Iterable[str],
                     tick: Callable[[int], None] = lambda n: None) -> dict[str, tuple[PartnerCase, ...]]:
    """Every case the partner holds per reference (an empty tuple: none at all)."""
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(reference: str) -> tuple[str, tuple[PartnerCase, ...]]:
        async with gate:
            found = await reader.find_cases(reference)
        tick(1)
        return reference, tuple(PartnerCase(reference, reader.partner, c.case_no, c.raw_status, c.status, c.balance)
                                for c in found)

    return dict(await asyncio.gather(*(one(reference) for reference in sorted(set(references)))))
