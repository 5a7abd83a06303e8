"""The gateway refuses to start without readable ION API credentials; token trouble is transient."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from sandbox.m3 import TenantCredentials, write_ionapi
from workers.adapters.m3 import IonApiConfig, M3TransientError, TokenProvider
from workers.infra.settings import load_settings
from workers.m3_gateway.app import build
from workers.m3_gateway.credentials import GatewayConfigError, load_credentials
from workers.m3_gateway.session import AuthRetryingMIClient


def settings(tmp_path, **overrides: Any):
    return load_settings(profile="test", data_dir=tmp_path / "data", **overrides)


def test_missing_setting_is_named(tmp_path):
    with pytest.raises(GatewayConfigError, match=r"m3_ionapi_file \(env DCS_M3_IONAPI_FILE\) is not set"):
        build(settings(tmp_path))


def test_missing_file_is_named(tmp_path):
    with pytest.raises(GatewayConfigError, match="m3_ionapi_file.*nowhere.ionapi does not exist"):
        build(settings(tmp_path, m3_ionapi_file=tmp_path / "nowhere.ionapi"))


def test_unreadable_file_is_named(tmp_path):
    with pytest.raises(GatewayConfigError, match="m3_ionapi_file.*cannot read"):
        load_credentials(settings(tmp_path, m3_ionapi_file=tmp_path))


def test_incomplete_file_names_the_keys_never_the_values(tmp_path):
    path = tmp_path / "tenant.ionapi"
    path.write_text(json.dumps({"ti": "ACME_TST", "ci": "client", "cs": "s3cret-value", "iu": "https://x"}))
    with pytest.raises(GatewayConfigError) as error:
        load_credentials(settings(tmp_path, m3_ionapi_file=path))
    assert "missing key(s): pu, ot, saak, sask" in str(error.value) and "s3cret-value" not in str(error.value)


def test_a_good_file_loads_and_masks_its_secrets(tmp_path):
    path = write_ionapi(tmp_path / "tenant.ionapi", TenantCredentials(), "http://127.0.0.1:1")
    credentials = load_credentials(settings(tmp_path, m3_ionapi_file=path))
    assert credentials.ti == "SANDBOX_TST" and "sandbox-client-secret" not in repr(credentials)


def test_build_with_credentials_gives_a_faust_app(tmp_path):
    path = write_ionapi(tmp_path / "tenant.ionapi", TenantCredentials(), "http://127.0.0.1:1")
    app = build(settings(tmp_path, m3_ionapi_file=path, topic_prefix="unit."), in_memory_tables=True)
    assert app.conf.id == "unit.dcs-m3-gateway" and app.conf.stream_wait_empty is False
    assert app.m3_health.ready is False


CFG = IonApiConfig(ti="ACME_TST", ci="ACME_TST~client", cs="cs", iu="https://ionapi.example",
                   pu="https://sso.example/ACME_TST/as/", ot="token.oauth2", saak="saak", sask="sask")


async def test_a_refused_token_is_transient_for_the_gateway():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"error": "invalid_grant"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        client = AuthRetryingMIClient(http, TokenProvider(http, CFG))
        with pytest.raises(M3TransientError, match="ION authorization: token request rejected: invalid_grant"):
            await client.call("EXT100MI", "SetRemindStop", {"CONO": "100"})
