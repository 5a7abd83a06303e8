"""One REST client per partner, built from the live configuration and rebuilt when it changes.

A `dcs config apply` that changes a partner's status mapping or endpoint variable reaches the
running gateway through the live view; the next call sees that the partner's setup differs and
gets a fresh client. Secrets are not part of the setup: ``SecretRef`` reads them at each use.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from dataclasses import dataclass

from workers.adapters.partner import PartnerRestClient, SecretRef, StatusMapping, make_auth
from workers.domain.configuration.model import Partner
from workers.infra.logs import get_logger
from workers.infra.settings import Settings
from workers.partner_gateway import connection as conn
from workers.partner_gateway.options import GatewayOptions

log = get_logger(__name__)


def status_mapping(partner: str, config: Partner | None) -> StatusMapping:
    """The partner's configured words on top of the sandbox vocabulary.

    The configuration can only map to case statuses; the lifecycle words for "registered" and
    "rejected" therefore keep their default spelling unless the partner's own words override.
    """
    overrides = dict(config.status_mapping) if config is not None and config.status_mapping else {}
    return StatusMapping.default_with(overrides, partner=partner)


@dataclass(frozen=True)
class _Setup:
    connection: conn.PartnerConnection
    mapping: tuple[tuple[str, str], ...]


class PartnerClients:
    def __init__(self, settings: Settings, view: object, options: GatewayOptions,
                 environ: Mapping[str, str] = os.environ) -> None:
        self._settings = settings
        self._view = view
        self._options = options
        self._environ = environ
        self._clients: dict[str, tuple[_Setup, PartnerRestClient]] = {}

    def partner_config(self, partner: str) -> Partner | None:
        configuration = getattr(self._view, "configuration", None)
        return configuration.partners.get(partner) if configuration is not None else None

    def is_known(self, partner: str) -> bool:
        try:
            conn.check_known(partner, self._settings, self.partner_config(partner))
        except conn.UnknownPartner:
            return False
        return True

    def known_partners(self) -> list[str]:
        configuration = getattr(self._view, "configuration", None)
        configured = set(configuration.partners) if configuration is not None else set()
        return sorted(p for p in configured | set(self._settings.partner_base_urls()) if self.is_known(p))

    def reachable_partners(self) -> list[str]:
        """Known partners whose endpoint and credentials resolve (what the poller reads)."""
        reachable = []
        for partner in self.known_partners():
            try:
                self.get(partner)
            except conn.PartnerSetupError as error:
                log.debug("partner_not_polled", partner=partner, reason=str(error)[:200])
                continue
            reachable.append(partner)
        return reachable

    def webhook_secret(self, partner: str) -> SecretRef:
        return conn.webhook_secret(partner, self._settings, self.partner_config(partner), self._environ)

    def get(self, partner: str) -> PartnerRestClient:
        """The client for ``partner``; raises UnknownPartner / PartnerNotConfigured."""
        config = self.partner_config(partner)
        connection = conn.connection(partner, self._settings, config, self._environ)
        mapping = status_mapping(partner, config)
        setup = _Setup(connection, tuple(sorted((config.status_mapping or {}).items())) if config else ())
        cached = self._clients.get(partner)
        if cached is not None and cached[0] == setup:
            return cached[1]
        if cached is not None:
            asyncio.get_running_loop().create_task(cached[1].aclose())
        auth = make_auth(connection.auth_method, connection.secret,
                         client_id=connection.client_id, token_url=connection.token_url)
        client = PartnerRestClient(partner, connection.base_url, auth, mapping,
                                   timeout=self._options.http_timeout, retry=self._options.call_retry)
        self._clients[partner] = (setup, client)
        log.info("partner_client_ready", partner=partner, auth=connection.auth_method)
        return client

    async def aclose(self) -> None:
        clients, self._clients = self._clients, {}
        await asyncio.gather(*(client.aclose() for _, client in clients.values()), return_exceptions=True)
