"""Where a partner lives and how we prove who we are: URL, API credentials, webhook secret.

The configuration (and so the long-retention ``config`` topic) only *names* places; secrets
come from the JSON secrets file (``settings.partner_secrets_file``, the same shape the partner
sandbox writes) or from environment variables, and are read again at each use so rotating a
secret needs no restart. Lookup order, per partner ``ID``:

- base URL: ``settings.partner_urls`` (``ID=URL``), else the variable named by ``endpoint_env``;
- API credentials: the file's ``ID.token_url`` + ``ID.client_id`` + ``ID.client_secret`` (OAuth2
  client credentials) or ``ID.api_key``; else ``DCS_PARTNER_<ID>_TOKEN_URL`` +
  ``DCS_PARTNER_<ID>_CLIENT_ID`` with the secret in ``credentials_env`` or
  ``DCS_PARTNER_<ID>_CLIENT_SECRET``; else the API key in ``credentials_env`` or
  ``DCS_PARTNER_<ID>_API_KEY``;
- webhook secret: the file's ``ID.webhook_secret``, else ``webhook_secret_env`` or
  ``DCS_PARTNER_<ID>_WEBHOOK_SECRET``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from workers.adapters.partner import SecretRef
from workers.domain.configuration.model import Partner
from workers.infra.settings import Settings


class PartnerSetupError(Exception):
    """Base: the gateway cannot talk to this partner; the message says what to fix."""


class UnknownPartner(PartnerSetupError):
    """Neither the configuration nor ``partner_urls`` knows the partner: permanent."""


class PartnerNotConfigured(PartnerSetupError):
    """The partner is known but its URL or a secret is missing: fixable without a restart."""


@dataclass(frozen=True)
class PartnerConnection:
    partner: str
    base_url: str
    auth_method: Literal["api_key", "client_credentials"]
    secret: SecretRef
    client_id: str | None = None
    token_url: str | None = None


def env_name(partner: str, suffix: str) -> str:
    """``DCS_PARTNER_<ID>_<SUFFIX>``, the id upper-cased with anything else turned into ``_``."""
    return f"DCS_PARTNER_{re.sub(r'[^A-Z0-9]', '_', partner.upper())}_{suffix}"


def _file_entry(settings: Settings, partner: str) -> dict[str, Any]:
    path = settings.partner_secrets_file
    if path is None:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise PartnerNotConfigured(f"cannot read partner secrets file {path}: {type(error).__name__}") from None
    entry = data.get(partner) if isinstance(data, dict) else None
    return entry if isinstance(entry, dict) else {}


def _present(entry: Mapping[str, Any], key: str) -> bool:
    return isinstance(entry.get(key), str) and bool(entry[key])


def check_known(partner: str, settings: Settings, config: Partner | None) -> None:
    if config is None and partner not in settings.partner_base_urls():
        raise UnknownPartner(f"unknown partner {partner!r}: not in the configuration and not in partner_urls")
    if config is not None and config.transport != "rest":
        raise UnknownPartner(f"partner {partner!r} uses transport {config.transport!r}, "
                             "which this gateway does not serve")


def base_url(partner: str, settings: Settings, config: Partner | None, environ: Mapping[str, str]) -> str:
    check_known(partner, settings, config)
    url = settings.partner_base_urls().get(partner)
    if url is None and config is not None and config.endpoint_env:
        url = environ.get(config.endpoint_env) or None
    if url is None:
        named = config.endpoint_env if config is not None else None
        where = f"or set {named}" if named else "(or give the partner an endpoint_env)"
        raise PartnerNotConfigured(f"partner {partner} has no endpoint: add {partner}=URL to DCS_PARTNER_URLS {where}")
    if not url.startswith(("http://", "https://")):
        raise PartnerNotConfigured(f"partner {partner} endpoint is not an http(s) URL")
    return url


def connection(
    partner: str, settings: Settings, config: Partner | None, environ: Mapping[str, str] = os.environ
) -> PartnerConnection:
    """Everything needed to build the REST client; raises PartnerSetupError naming the gap."""
    url = base_url(partner, settings, config, environ)
    entry, file = _file_entry(settings, partner), settings.partner_secrets_file
    if all(_present(entry, key) for key in ("token_url", "client_id", "client_secret")):
        secret = SecretRef(file=file, key=f"{partner}.client_secret")
        return PartnerConnection(partner, url, "client_credentials", secret,
                                 client_id=entry["client_id"], token_url=entry["token_url"])
    if _present(entry, "api_key"):
        return PartnerConnection(partner, url, "api_key", SecretRef(file=file, key=f"{partner}.api_key"))
    named = config.credentials_env if config is not None else None
    token_url, client_id = environ.get(env_name(partner, "TOKEN_URL")), environ.get(env_name(partner, "CLIENT_ID"))
    if token_url and client_id:
        variable = named or env_name(partner, "CLIENT_SECRET")
        if environ.get(variable):
            return PartnerConnection(partner, url, "client_credentials", SecretRef(env=variable),
                                     client_id=client_id, token_url=token_url)
    variable = named or env_name(partner, "API_KEY")
    if environ.get(variable):
        return PartnerConnection(partner, url, "api_key", SecretRef(env=variable))
    in_file = f'"api_key" under "{partner}" in {file}, or ' if file else ""
    raise PartnerNotConfigured(f"no API credentials for partner {partner}: put {in_file}set {variable}")


def webhook_secret(
    partner: str, settings: Settings, config: Partner | None, environ: Mapping[str, str] = os.environ
) -> SecretRef:
    check_known(partner, settings, config)
    if _present(_file_entry(settings, partner), "webhook_secret"):
        return SecretRef(file=settings.partner_secrets_file, key=f"{partner}.webhook_secret")
    variable = (config.webhook_secret_env if config is not None else None) or env_name(partner, "WEBHOOK_SECRET")
    if environ.get(variable):
        return SecretRef(env=variable)
    file = settings.partner_secrets_file
    in_file = f'"webhook_secret" under "{partner}" in {file}, or ' if file else ""
    raise PartnerNotConfigured(f"no webhook secret for partner {partner}: put {in_file}set {variable}")
