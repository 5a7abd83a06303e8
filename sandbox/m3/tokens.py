"""Bearer tokens the simulated ION API authorization server issues and the gateway checks.

Tokens are opaque random strings with a lifetime (default 2 h as in ION). Fault mode can make
them die early, and `revoke_all` kills every token at once, so a client's re-fetch on 401 is
exercised without waiting two hours.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class IssuedToken:
    issued_at: float
    expires_at: float


class TokenStore:
    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._tokens: dict[str, IssuedToken] = {}
        self.issued = 0

    def issue(self, ttl: float) -> str:
        token = secrets.token_urlsafe(32)
        now = self._clock()
        self._tokens[token] = IssuedToken(now, now + ttl)
        self.issued += 1
        return token

    def is_valid(self, token: str, early_expiry: float | None = None) -> bool:
        issued = self._tokens.get(token)
        if issued is None:
            return False
        now = self._clock()
        if now >= issued.expires_at or (early_expiry is not None and now >= issued.issued_at + early_expiry):
            del self._tokens[token]
            return False
        return True

    def revoke_all(self) -> int:
        count = len(self._tokens)
        self._tokens.clear()
        return count

    @property
    def active(self) -> int:
        return len(self._tokens)
