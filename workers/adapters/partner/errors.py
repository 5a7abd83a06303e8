"""Failures the partner adapter reports, split by what the caller should do about them.

Business answers (a rejected registration, a refused payment) are results, not exceptions;
these are for "try again later" (``PartnerUnavailable``) and "a person must fix something"
(``AuthenticationFailed``, ``PartnerRequestError``).
"""

from __future__ import annotations


class PartnerError(Exception):
    """Base class; messages never contain secrets or debtor data."""


class PartnerUnavailable(PartnerError):
    """Transient: retries are exhausted (timeouts, 5xx, 429, outage). Retry the command later."""


class AuthenticationFailed(PartnerError):
    """The partner refused our credentials even after a fresh token: configuration problem."""


class PartnerRequestError(PartnerError):
    """The partner answered with a 4xx we cannot turn into a business result."""

    def __init__(self, status_code: int, reason: str) -> None:
        self.status_code = status_code
        self.reason = reason
        super().__init__(f"partner answered {status_code}: {reason}")


class PartnerProtocolError(PartnerError):
    """The partner's answer does not have the shape its API promises."""
