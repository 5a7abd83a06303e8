"""ION API credentials (.ionapi file) and the OAuth2 bearer token they buy.

A tenant admin downloads a `.ionapi` file for a backend-service client: tenant `ti`, client
`ci`/`cs`, gateway URL `iu`, authorization server `pu` + token path `ot`, and the service
account's `saak`/`sask`. The token comes from the resource-owner password grant against
`{pu}{ot}` and lives about two hours. `TokenProvider` caches it, renews it a margin before it
expires (so a call never leaves with a token that dies in flight) and drops it when M3 answers
401, after which the next caller fetches a fresh one. Secrets never appear in repr or logs.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import httpx

from workers.adapters.m3.errors import M3AuthError, M3TransientError

REQUIRED_KEYS = ("ti", "ci", "cs", "iu", "pu", "ot", "saak", "sask")
SECRET_KEYS = frozenset({"cs", "saak", "sask"})


@dataclass(frozen=True)
class IonApiConfig:
    ti: str
    ci: str
    cs: str = field(repr=False)
    iu: str
    pu: str
    ot: str
    saak: str = field(repr=False)
    sask: str = field(repr=False)

    def __repr__(self) -> str:
        return f"IonApiConfig(ti={self.ti!r}, ci={self.ci!r}, iu={self.iu!r}, pu={self.pu!r}, ot={self.ot!r}, cs='***', saak='***', sask='***')"

    __str__ = __repr__

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> "IonApiConfig":
        missing = [k for k in REQUIRED_KEYS if not str(data.get(k, "")).strip()]
        if missing:
            raise ValueError(f".ionapi is missing key(s): {', '.join(missing)}")
        return cls(**{k: str(data[k]).strip() for k in REQUIRED_KEYS})

    @property
    def token_url(self) -> str:
        return self.pu if self.pu.endswith(self.ot) else self.pu.rstrip("/") + "/" + self.ot.lstrip("/")

    @property
    def mi_base_url(self) -> str:
        return f"{self.iu.rstrip('/')}/{self.ti}/M3/m3api-rest/v2/execute"


def load_ionapi(path: str | Path) -> IonApiConfig:
    """Read a .ionapi file; errors name the file and the keys, never a value."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not valid JSON (line {exc.lineno})") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path} must hold a JSON object")
    return IonApiConfig.from_mapping(data)


class TokenProvider:
    def __init__(self, http: httpx.AsyncClient, config: IonApiConfig, *, margin: float = 60.0,
                 clock: Callable[[], float] = time.monotonic, timeout: float | None = None) -> None:
        self.config = config
        self._http = http
        self._margin = margin
        self._clock = clock
        self._timeout = timeout
        self._token: str | None = None
        self._renew_at = 0.0
        self._lock = asyncio.Lock()
        self.fetches = 0

    def __repr__(self) -> str:
        return f"TokenProvider(ti={self.config.ti!r}, cached={self._token is not None})"

    async def token(self) -> str:
        async with self._lock:
            if self._token is None or self._clock() >= self._renew_at:
                await self._fetch()
            assert self._token is not None
            return self._token

    def invalidate(self, token: str | None = None) -> None:
        """Forget the cached token (only if it is `token`, so concurrent 401s refetch once)."""
        if token is None or token == self._token:
            self._token = None

    async def _fetch(self) -> None:
        c = self.config
        form = {"grant_type": "password", "client_id": c.ci, "client_secret": c.cs,
                "username": c.saak, "password": c.sask}
        try:
            resp = await self._http.post(c.token_url, data=form, timeout=self._timeout or httpx.USE_CLIENT_DEFAULT,
                                         headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise M3TransientError(f"token endpoint unreachable: {type(exc).__name__}") from None
        if resp.status_code == 429 or resp.status_code >= 500:
            raise M3TransientError(f"token endpoint answered HTTP {resp.status_code}")
        if resp.status_code != 200:
            raise M3AuthError(f"token request rejected: {_oauth_error(resp)}", status=resp.status_code)
        try:
            body = resp.json()
            token, lifetime = str(body["access_token"]), float(body.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError):
            raise M3TransientError("token endpoint answered 200 without a usable token") from None
        self.fetches += 1
        self._token = token
        self._renew_at = self._clock() + max(lifetime - min(self._margin, lifetime / 2), 0.0)


def _oauth_error(resp: httpx.Response) -> str:
    try:
        return str(resp.json().get("error", "unknown error"))
    except ValueError:
        return "unknown error"
