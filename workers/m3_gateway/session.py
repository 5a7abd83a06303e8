"""One connection to the tenant per running gateway: HTTP client, ION token, MI client, writer.

Opened inside the running event loop (httpx binds to it) and closed by the faust app's exit
stack, i.e. after the agent has stopped, so no command loses its client halfway. Token trouble
is retried like any outage: the MI client here reports a refused token as transient (the ION
gateway refused before M3 saw the request, so trying again is always safe).
"""

from __future__ import annotations

import asyncio
import random
from typing import Any, Literal

import httpx

from workers.adapters.m3 import (IonApiConfig, M3AuthError, M3Error, M3TransientError, M3Writer, MIClient,
                                 RetryPolicy, TokenProvider)
from workers.infra.logs import get_logger
from workers.m3_gateway.retry_policy import Backoff

log = get_logger(__name__)


class AuthRetryingMIClient(MIClient):
    """An MI client whose ION authorization failures are transient, so the gateway keeps trying."""

    async def call(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return await super().call(*args, **kwargs)
        except M3AuthError as error:
            raise _transient(error) from None

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return await super().execute(*args, **kwargs)
        except M3AuthError as error:
            raise _transient(error) from None


def _transient(error: M3AuthError) -> M3TransientError:
    return M3TransientError(f"ION authorization: {error.message}", program=error.program,
                            transaction=error.transaction)


class M3Session:
    def __init__(self, credentials: IonApiConfig, *, case_info: Literal["custom", "ars251"] = "custom",
                 timeout: float = 30.0, mi_retry: RetryPolicy = RetryPolicy()) -> None:
        self.credentials = credentials
        self._case_info = case_info
        self._timeout = timeout
        self._mi_retry = mi_retry
        self._opened: asyncio.Event | None = None
        self.http: httpx.AsyncClient | None = None
        self.tokens: TokenProvider | None = None
        self.client: MIClient | None = None
        self.writer: M3Writer | None = None

    async def __aenter__(self) -> M3Session:
        self.http = httpx.AsyncClient(timeout=self._timeout)
        self.tokens = TokenProvider(self.http, self.credentials, timeout=self._timeout)
        self.client = AuthRetryingMIClient(self.http, self.tokens, retry=self._mi_retry)
        self.writer = M3Writer(self.client, case_info=self._case_info)
        self._event().set()
        log.info("m3_session_open", tenant=self.credentials.ti, gateway=self.credentials.iu,
                 case_info=self._case_info)
        return self

    async def __aexit__(self, *_exc: Any) -> None:
        if self.http is not None:
            await self.http.aclose()

    async def wait_open(self) -> None:
        await self._event().wait()

    def _event(self) -> asyncio.Event:
        if self._opened is None:
            self._opened = asyncio.Event()
        return self._opened

    async def wait_for_token(self, backoff: Backoff, rng: random.Random | None = None) -> None:
        """Returns once the ION token endpoint handed out a token; until then, keeps asking."""
        rng = rng or random.Random()
        assert self.tokens is not None, "open the session first"
        attempt = 0
        while True:
            attempt += 1
            try:
                await self.tokens.token()
                return
            except M3Error as error:
                delay = backoff.delay(attempt, rng)
                log.warning("m3_token_unavailable", attempt=attempt, error=error.message, retry_in=round(delay, 2))
                await asyncio.sleep(delay)
