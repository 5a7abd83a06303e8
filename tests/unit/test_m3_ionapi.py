""".ionapi loading, secret masking and the cached, self-renewing ION API bearer token."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from workers.adapters.m3 import IonApiConfig, M3AuthError, M3TransientError, TokenProvider, load_ionapi

IONAPI = {"ti": "ACME_PRD", "cn": "DCS", "dt": "12", "ci": "ACME_PRD~abcdef", "cs": "client-secret-value",
          "iu": "https://mingle-ionapi.example.com", "pu": "https://mingle-sso.example.com:443/ACME_PRD/as/",
          "oa": "authorization.oauth2", "ot": "token.oauth2", "or": "revoke_token.oauth2", "ev": "U1", "v": "1.0",
          "saak": "ACME_PRD#service-access-key", "sask": "service-secret-key"}
SECRETS = ("client-secret-value", "service-access-key", "service-secret-key")


def write(tmp_path: Path, content: object) -> Path:
    path = tmp_path / "acme.ionapi"
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


def test_load_reads_every_key_and_builds_urls(tmp_path: Path) -> None:
    cfg = load_ionapi(write(tmp_path, IONAPI))
    assert cfg.token_url == "https://mingle-sso.example.com:443/ACME_PRD/as/token.oauth2"
    assert cfg.mi_base_url == "https://mingle-ionapi.example.com/ACME_PRD/M3/m3api-rest/v2/execute"
    assert (cfg.ci, cfg.cs, cfg.saak, cfg.sask) == ("ACME_PRD~abcdef", SECRETS[0], "ACME_PRD#" + SECRETS[1], SECRETS[2])


def test_repr_and_str_never_show_secrets(tmp_path: Path) -> None:
    cfg = load_ionapi(write(tmp_path, IONAPI))
    for text in (repr(cfg), str(cfg), f"{cfg}", repr([cfg])):
        assert "ACME_PRD~abcdef" in text
        assert not any(secret in text for secret in SECRETS)


def test_missing_keys_are_named_without_values(tmp_path: Path) -> None:
    with pytest.raises(ValueError) as err:
        load_ionapi(write(tmp_path, {k: v for k, v in IONAPI.items() if k not in ("sask", "pu")}))
    assert "pu, sask" in str(err.value) and not any(s in str(err.value) for s in SECRETS)


def test_broken_json_is_a_readable_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not valid JSON"):
        load_ionapi(write(tmp_path, '{"ti": "x",'))


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def token_server(expires_in: int = 7200, status: int = 200) -> tuple[list[dict[str, str]], httpx.MockTransport]:
    forms: list[dict[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        forms.append(dict(httpx.QueryParams(request.content.decode())))
        if status != 200:
            return httpx.Response(status, json={"error": "invalid_client", "error_description": "bad"})
        return httpx.Response(200, json={"access_token": f"token-{len(forms)}", "token_type": "Bearer",
                                         "expires_in": expires_in})
    return forms, httpx.MockTransport(handler)


async def test_token_is_fetched_with_the_password_grant_and_cached() -> None:
    forms, transport = token_server()
    async with httpx.AsyncClient(transport=transport) as http:
        provider = TokenProvider(http, IonApiConfig.from_mapping(IONAPI), clock=Clock())
        assert await provider.token() == await provider.token() == "token-1"
    assert forms == [{"grant_type": "password", "client_id": "ACME_PRD~abcdef", "client_secret": SECRETS[0],
                      "username": "ACME_PRD#service-access-key", "password": SECRETS[2]}]


async def test_token_is_renewed_a_margin_before_it_expires() -> None:
    forms, transport = token_server(expires_in=7200)
    clock = Clock()
    async with httpx.AsyncClient(transport=transport) as http:
        provider = TokenProvider(http, IonApiConfig.from_mapping(IONAPI), margin=60, clock=clock)
        assert await provider.token() == "token-1"
        clock.now += 7200 - 61
        assert await provider.token() == "token-1"
        clock.now += 2
        assert await provider.token() == "token-2"
    assert len(forms) == 2


async def test_invalidate_only_drops_the_token_it_names() -> None:
    _, transport = token_server()
    async with httpx.AsyncClient(transport=transport) as http:
        provider = TokenProvider(http, IonApiConfig.from_mapping(IONAPI), clock=Clock())
        first = await provider.token()
        provider.invalidate("some-older-token")
        assert await provider.token() == first
        provider.invalidate(first)
        assert await provider.token() == "token-2"


async def test_wrong_credentials_are_an_auth_error_without_secrets() -> None:
    _, transport = token_server(status=401)
    async with httpx.AsyncClient(transport=transport) as http:
        with pytest.raises(M3AuthError) as err:
            await TokenProvider(http, IonApiConfig.from_mapping(IONAPI)).token()
    assert err.value.status == 401 and "invalid_client" in str(err.value)
    assert not any(s in str(err.value) for s in SECRETS)


async def test_token_endpoint_down_is_transient() -> None:
    _, transport = token_server(status=503)
    async with httpx.AsyncClient(transport=transport) as http:
        with pytest.raises(M3TransientError):
            await TokenProvider(http, IonApiConfig.from_mapping(IONAPI)).token()
