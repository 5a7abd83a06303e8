"""The sandbox partner's authentication: Kravia-style static API key, or OAuth2 tokens.

``X-Api-Key: <key>`` is Kravia's model (one long-lived secret per integration). The OAuth2
client-credentials grant at ``POST /{partner}/oauth/token`` issues bearer tokens that really
expire, and with ``fault.token_early_expiry_s`` they die sooner than the advertised
``expires_in``, which is how a gateway's 401-then-refresh path gets exercised.
"""

from __future__ import annotations

import base64
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from sandbox.partner.credentials import PartnerSecrets


@dataclass
class _Token:
    partner: str
    expires_at: float


class TokenIssuer:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._tokens: dict[str, _Token] = {}

    def issue(self, partner: str, lifetime_s: float) -> str:
        token = secrets.token_urlsafe(24)
        self._tokens[token] = _Token(partner, self._clock() + lifetime_s)
        return token

    def valid(self, partner: str, token: str) -> bool:
        entry = self._tokens.get(token)
        return entry is not None and entry.partner == partner and self._clock() < entry.expires_at


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def client_of(request: web.Request, form: dict[str, str]) -> tuple[str, str] | None:
    """(client_id, client_secret) from HTTP Basic or, as RFC 6749 also allows, the form."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Basic "):
        try:
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        return client_id, secret
    if "client_id" in form and "client_secret" in form:
        return form["client_id"], form["client_secret"]
    return None


def client_ok(credentials: PartnerSecrets, client: tuple[str, str] | None) -> bool:
    return (
        client is not None
        and _same(client[0], credentials.client_id)
        and _same(client[1], credentials.client_secret)
    )


def request_ok(request: web.Request, partner: str, credentials: PartnerSecrets, issuer: TokenIssuer) -> bool:
    api_key = request.headers.get("X-Api-Key")
    if api_key is not None:
        return _same(api_key, credentials.api_key)
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return issuer.valid(partner, header[7:].strip())
    return False


def unauthorized(reason: str = "invalid_token") -> web.Response:
    return web.json_response(
        {"error": reason, "message": "missing, invalid or expired credentials"},
        status=401,
        headers={"WWW-Authenticate": f'Bearer error="{reason}"'},
    )
