"""Authenticated HTTP to one partner, with the retry rules for reads.

Reads are idempotent and simply retried. Writes are not retried here: ``rest_client`` does
that itself, because it must look at the partner's state before re-sending (see retry.py).
A 401 is answered by fetching fresh credentials and sending once more, which is safe for
writes too: a request refused for its token was not acted on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from workers.adapters.partner.auth import PartnerAuth
from workers.adapters.partner.errors import AuthenticationFailed, PartnerUnavailable
from workers.adapters.partner.retry import Outcome, RetryPolicy, classify_status, retry_after_s

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)


class PartnerHttp:
    def __init__(
        self,
        base_url: str,
        auth: PartnerAuth,
        *,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self._auth = auth
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._client = httpx.AsyncClient(
            base_url=base_url,
            timeout=timeout,
            transport=transport,
            headers={"Accept": "application/json"},
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def backoff(self, attempt: int, retry_after: float | None = None) -> None:
        await self._sleep(self.retry.delay(attempt, retry_after))

    async def _send_once(
        self, method: str, path: str, params: dict[str, str] | None, json_body: Any
    ) -> httpx.Response:
        headers = await self._auth.headers(self._client)
        return await self._client.request(method, path, params=params, json=json_body, headers=headers)

    async def send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json_body: Any = None,
    ) -> httpx.Response:
        """One attempt; raises httpx.TransportError, PartnerUnavailable (token endpoint)."""
        response = await self._send_once(method, path, params, json_body)
        if response.status_code == 401:
            if not self._auth.invalidate():
                raise AuthenticationFailed("partner refused the API key")
            response = await self._send_once(method, path, params, json_body)
            if response.status_code == 401:
                raise AuthenticationFailed("partner refused a freshly issued token")
        return response

    async def get(
        self, path: str, params: dict[str, str] | None = None, *, attempts: int | None = None
    ) -> httpx.Response:
        """A GET retried until it gets a definitive answer (2xx or 4xx)."""
        limit = attempts or self.retry.max_attempts
        last, wait_hint = "no attempt", None
        for attempt in range(limit):
            if attempt:
                await self.backoff(attempt, wait_hint)
            try:
                response = await self.send("GET", path, params=params)
            except httpx.TransportError as exc:
                last, wait_hint = type(exc).__name__, None
                continue
            except PartnerUnavailable as exc:
                last, wait_hint = str(exc), None
                continue
            if classify_status(response.status_code) is Outcome.DONE:
                return response
            last, wait_hint = f"HTTP {response.status_code}", retry_after_s(response)
        raise PartnerUnavailable(f"GET {path} failed after {limit} attempts ({last})")
