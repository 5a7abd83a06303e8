"""Partner gateway: where a partner's URL, API credentials and webhook secret come from."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from workers.adapters.partner import SecretRef
from workers.domain.configuration.model import Partner
from workers.infra.settings import load_settings
from workers.partner_gateway.clients import PartnerClients, status_mapping
from workers.partner_gateway.connection import (
    PartnerNotConfigured,
    UnknownPartner,
    connection,
    env_name,
    webhook_secret,
)
from workers.partner_gateway.options import GatewayOptions

URL = "http://127.0.0.1:8090/INTRUM/api/v1"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for suffix in ("API_KEY", "WEBHOOK_SECRET", "TOKEN_URL", "CLIENT_ID", "CLIENT_SECRET"):
        monkeypatch.delenv(env_name("INTRUM", suffix), raising=False)
    monkeypatch.delenv("DCS_PARTNER_URLS", raising=False)
    monkeypatch.delenv("DCS_PARTNER_SECRETS_FILE", raising=False)


def partner(**changes) -> Partner:
    return Partner.model_validate({"name": "Intrum Norge", "transport": "rest", **changes})


def settings(tmp_path=None, entry: dict | None = None, urls: str = f"INTRUM={URL}"):
    secrets_file = None
    if entry is not None:
        secrets_file = tmp_path / "partner-secrets.json"
        secrets_file.write_text(json.dumps({"INTRUM": entry}))
    return load_settings(partner_urls=urls, partner_secrets_file=secrets_file)


def test_the_secrets_file_wins_and_is_read_at_each_use(tmp_path, monkeypatch):
    monkeypatch.setenv("DCS_PARTNER_INTRUM_API_KEY", "from-env")
    chosen = settings(tmp_path, {"api_key": "from-file", "webhook_secret": "hook-secret"})
    found = connection("INTRUM", chosen, None)
    assert (found.base_url, found.auth_method) == (URL, "api_key")
    assert found.secret == SecretRef(file=chosen.partner_secrets_file, key="INTRUM.api_key")
    assert found.secret.reveal() == "from-file"
    assert webhook_secret("INTRUM", chosen, None).reveal() == "hook-secret"
    assert "from-file" not in repr(found)


def test_environment_variables_when_the_file_has_nothing_for_the_partner(tmp_path, monkeypatch):
    monkeypatch.setenv("DCS_PARTNER_INTRUM_API_KEY", "env-key")
    monkeypatch.setenv("DCS_PARTNER_INTRUM_WEBHOOK_SECRET", "env-hook")
    chosen = settings(tmp_path, {})
    assert connection("INTRUM", chosen, None).secret == SecretRef(env="DCS_PARTNER_INTRUM_API_KEY")
    assert webhook_secret("INTRUM", chosen, None).reveal() == "env-hook"


def test_the_configuration_may_name_its_own_variables(monkeypatch):
    monkeypatch.setenv("INTRUM_BASE", URL)
    monkeypatch.setenv("INTRUM_TOKEN", "named-key")
    monkeypatch.setenv("INTRUM_HOOK", "named-hook")
    config = partner(endpoint_env="INTRUM_BASE", credentials_env="INTRUM_TOKEN", webhook_secret_env="INTRUM_HOOK")
    found = connection("INTRUM", settings(urls=""), config)
    assert (found.base_url, found.secret.reveal()) == (URL, "named-key")
    assert webhook_secret("INTRUM", settings(urls=""), config).reveal() == "named-hook"


def test_an_oauth_client_from_the_file(tmp_path):
    entry = {"client_id": "intrum-client", "client_secret": "s3cret", "token_url": "http://idp/token",
             "api_key": "also-there"}
    found = connection("INTRUM", settings(tmp_path, entry), None)
    assert (found.auth_method, found.client_id, found.token_url) == ("client_credentials", "intrum-client",
                                                                     "http://idp/token")
    assert found.secret.reveal() == "s3cret"


def test_missing_credentials_name_every_place_to_put_them(tmp_path):
    with pytest.raises(PartnerNotConfigured) as missing:
        connection("INTRUM", settings(tmp_path, {"webhook_secret": "x"}), None)
    assert '"api_key" under "INTRUM"' in str(missing.value) and "DCS_PARTNER_INTRUM_API_KEY" in str(missing.value)
    with pytest.raises(PartnerNotConfigured, match="DCS_PARTNER_INTRUM_WEBHOOK_SECRET"):
        webhook_secret("INTRUM", settings(), None)
    with pytest.raises(PartnerNotConfigured, match="has no endpoint"):
        connection("INTRUM", settings(urls=""), partner())


def test_unknown_partners_and_file_transports_are_refused_for_good():
    with pytest.raises(UnknownPartner, match="unknown partner 'KREDINOR'"):
        connection("KREDINOR", settings(), None)
    with pytest.raises(UnknownPartner, match="transport 'file'"):
        connection("INTRUM", settings(), partner(transport="file"))


def test_env_names_are_shell_safe():
    assert env_name("svea-finans", "API_KEY") == "DCS_PARTNER_SVEA_FINANS_API_KEY"


def test_the_configured_mapping_goes_over_the_sandbox_vocabulary():
    mapping = status_mapping("INTRUM", partner(status_mapping={"OVERVAKING": "closed_unsettled",
                                                               "INKASSO": "reminder"}))
    assert mapping.to_canonical("overvaking") == "closed_unsettled"
    assert mapping.to_canonical("INKASSO") == "reminder" and mapping.to_canonical("AVVIST") == "rejected"


async def test_a_configuration_change_gives_the_partner_a_fresh_client(monkeypatch):
    monkeypatch.setenv("DCS_PARTNER_INTRUM_API_KEY", "key")
    view = SimpleNamespace(configuration=SimpleNamespace(partners={"INTRUM": partner()}))
    clients = PartnerClients(settings(), view, GatewayOptions())
    first = clients.get("INTRUM")
    assert clients.get("INTRUM") is first and clients.known_partners() == ["INTRUM"]
    view.configuration.partners["INTRUM"] = partner(status_mapping={"OVERVAKING": "legal"})
    assert clients.get("INTRUM") is not first
    assert not clients.is_known("KREDINOR")
    await clients.aclose()
