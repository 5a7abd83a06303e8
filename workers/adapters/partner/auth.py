"""How the adapter proves who it is: a static API key or OAuth2 client credentials.

Kravia authenticates with a static secret token; partners behind an identity provider (Svea)
issue short-lived bearer tokens for client credentials. The sandbox accepts both so either
can be exercised. Tokens are cached until shortly before they expire; a 401 on an API call
means the partner dropped the token early, so the caller invalidates and retries once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Protocol

import httpx

from workers.adapters.partner.credentials import SecretRef
from workers.adapters.partner.errors import AuthenticationFailed, PartnerUnavailable

API_KEY_HEADER = "X-Api-Key"


class PartnerAuth(Protocol):
    async def headers(self, client: httpx.AsyncClient) -> dict[str, str]: ...

    def invalidate(self) -> bool:
        """Forget cached credentials; True when fetching new ones could fix a 401."""
        ...


class ApiKeyAuth:
    """Static key in ``X-Api-Key``; a 401 cannot be cured by retrying."""

    def __init__(self, api_key: SecretRef) -> None:
        self._api_key = api_key

    async def headers(self, client: httpx.AsyncClient) -> dict[str, str]:
        return {API_KEY_HEADER: self._api_key.reveal()}

    def invalidate(self) -> bool:
        return False


class ClientCredentialsAuth:
    """OAuth2 client-credentials grant (RFC 6749 §4.4) with HTTP Basic client authentication."""

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: SecretRef,
        *,
        leeway_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._token_url = token_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._leeway_s = leeway_s
        self._clock = clock
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    async def headers(self, client: httpx.AsyncClient) -> dict[str, str]:
        async with self._lock:
            if self._token is None or self._clock() >= self._expires_at:
                await self._fetch(client)
        return {"Authorization": f"Bearer {self._token}"}

    def invalidate(self) -> bool:
        self._token = None
        return True

    async def _fetch(self, client: httpx.AsyncClient) -> None:
        try:
            response = await client.post(
                self._token_url,
                data={"grant_type": "client_credentials"},
                auth=(self._client_id, self._client_secret.reveal()),
            )
        except httpx.TransportError as exc:
            raise PartnerUnavailable(f"token endpoint unreachable: {type(exc).__name__}") from None
        if response.status_code in (400, 401, 403):
            raise AuthenticationFailed(f"token endpoint refused client {self._client_id}")
        if response.status_code != 200:
            raise PartnerUnavailable(f"token endpoint answered {response.status_code}")
        try:
            body = response.json()
            token = str(body["access_token"])
            expires_in = float(body.get("expires_in", 300))
        except (ValueError, KeyError, TypeError):
            raise PartnerUnavailable("token endpoint answered without an access_token") from None
        self._token = token
        self._expires_at = self._clock() + max(expires_in - self._leeway_s, 0.0)


def make_auth(
    method: str,
    secret: SecretRef,
    *,
    client_id: str | None = None,
    token_url: str | None = None,
) -> PartnerAuth:
    """Build the strategy a partner's configuration names (``api_key``/``client_credentials``)."""
    if method == "api_key":
        return ApiKeyAuth(secret)
    if method == "client_credentials":
        if not client_id or not token_url:
            raise ValueError("client_credentials needs client_id and token_url")
        return ClientCredentialsAuth(token_url, client_id, secret)
    raise ValueError(f"unknown partner auth method {method!r}")
