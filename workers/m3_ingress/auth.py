"""Who may post to the M3 ingress: whoever presents the bearer token M3 was configured with.

M3's Event Subscriber (CMS049) and a MEC/ION mapping can both send a static `Authorization:
Bearer …` header, so that is the scheme. The comparison runs in constant time, so response
timing tells an attacker nothing about how much of a guess was right. Without a configured
token the worker refuses to start: an open ingress would let anyone open collection cases.
"""

from __future__ import annotations

from workers.infra.endpoint_auth import bearer_refusal
from workers.infra.settings import Settings


class IngressNotConfigured(RuntimeError):
    """The worker cannot run as configured (no token; poller without an .ionapi file)."""


class BearerToken:
    def __init__(self, secret: str) -> None:
        if not secret:
            raise IngressNotConfigured("the M3 ingress token is empty")
        self._secret = secret.encode("utf-8")

    def __repr__(self) -> str:
        return "BearerToken(***)"

    @classmethod
    def from_settings(cls, settings: Settings) -> BearerToken:
        try:
            secret = settings.m3_ingress_secret()
        except OSError as error:
            raise IngressNotConfigured(f"cannot read DCS_M3_INGRESS_TOKEN_FILE: {error.strerror}") from None
        if not secret:
            raise IngressNotConfigured(
                "no M3 ingress token configured: set DCS_M3_INGRESS_TOKEN_FILE (preferred) or "
                "DCS_M3_INGRESS_TOKEN; the ingress never runs unauthenticated")
        return cls(secret)

    def refusal(self, authorization: str | None) -> str | None:
        """None when the header carries the token, else why not (for the 401 answer)."""
        return bearer_refusal(authorization, self._secret)
