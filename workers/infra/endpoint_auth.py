"""Who may read a worker's operational endpoints: whoever presents the metrics bearer token.

Every worker serves `/health` (open: liveness/readiness probes, minimal answer), `/metrics`
(Prometheus text) and possibly `/admin/…` routes on its faust web port. faust itself adds
`/table/…` (reads table *data*: cases with debtor contacts) and `/router/…` (cluster layout).
When a token is configured (`DCS_METRICS_TOKEN_FILE`, or `DCS_METRICS_TOKEN`), every one of
those except `/health` needs `Authorization: Bearer <token>`; a missing or wrong token is a 401
with `WWW-Authenticate: Bearer`. Routes with their own authentication (the M3 ingress token,
signed partner webhooks) are not touched. In the `production` profile a worker without a
token does not start; in the `test` profile the endpoints stay open when none is set.

The comparison runs in constant time and the token is never logged or echoed.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from workers.infra.logs import get_logger
from workers.infra.settings import Settings

log = get_logger(__name__)

REALM = "dcs-operations"
#: Path prefixes that need the token (a prefix matches itself and everything below it).
PROTECTED_PREFIXES: tuple[str, ...] = ("/metrics", "/admin", "/table", "/router", "/graph", "/stats",
                                       "/performance")

Handler = Callable[[Any], Awaitable[Any]]


class EndpointAuthNotConfigured(RuntimeError):
    """The worker cannot serve its operational endpoints as configured (no or unreadable token)."""


def is_protected(path: str, prefixes: Iterable[str] = PROTECTED_PREFIXES) -> bool:
    """Whether a request path (or a route's canonical pattern) needs the token."""
    path = "/" + path.lstrip("/")  # "//metrics" routes like "/metrics" in some setups
    return any(path == prefix or path.startswith(prefix + "/") for prefix in prefixes)


class OperationsToken:
    """The configured bearer token, or none (open endpoints; only allowed outside production)."""

    def __init__(self, secret: str | None) -> None:
        self._secret = secret.encode("utf-8") if secret else None

    def __repr__(self) -> str:
        return f"OperationsToken({'***' if self._secret else 'none'})"

    @property
    def required(self) -> bool:
        return self._secret is not None

    @classmethod
    def from_settings(cls, settings: Settings) -> OperationsToken:
        """The token of `settings`; refuses a production worker without one (naming the setting)."""
        try:
            secret = settings.metrics_secret()
        except OSError as error:
            raise EndpointAuthNotConfigured(f"cannot read DCS_METRICS_TOKEN_FILE: {error.strerror}") from None
        configured = settings.metrics_token_file is not None or settings.metrics_token is not None
        if configured and not secret:
            raise EndpointAuthNotConfigured("the metrics token (DCS_METRICS_TOKEN_FILE / DCS_METRICS_TOKEN) is empty")
        if not secret and settings.profile == "production":
            raise EndpointAuthNotConfigured(
                "no metrics token configured: set DCS_METRICS_TOKEN_FILE (preferred) or DCS_METRICS_TOKEN; "
                "in the production profile /metrics and /admin are never served unauthenticated")
        return cls(secret)

    def refusal(self, authorization: str | None) -> str | None:
        """None when access is allowed, else why not (for the 401 answer; never contains the token)."""
        if self._secret is None:
            return None
        return bearer_refusal(authorization, self._secret)


def bearer_refusal(authorization: str | None, secret: bytes) -> str | None:
    """None when the header carries `secret` as a bearer token, else why not (constant-time compare;
    the reason never contains the token). The one check behind every bearer-guarded endpoint."""
    if not authorization:
        return "missing Authorization header (expected: Bearer <token>)"
    scheme, _, presented = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        return "Authorization must use the Bearer scheme"
    if not hmac.compare_digest(presented.strip().encode("utf-8"), secret):
        return "invalid bearer token"
    return None


def unauthorized(reason: str) -> Any:
    """A 401 with the RFC 6750 challenge; `error="invalid_token"` only when a token was presented."""
    from aiohttp import web

    challenge = f'Bearer realm="{REALM}"'
    if reason == "invalid bearer token":
        challenge += ', error="invalid_token"'
    return web.json_response({"error": reason}, status=401, headers={"WWW-Authenticate": challenge})


def bearer_middleware(token: OperationsToken, prefixes: Iterable[str] = PROTECTED_PREFIXES) -> Any:
    """An aiohttp middleware that guards the protected paths (both the request path and the pattern
    of the route it resolved to, so a differently spelled path cannot slip past)."""
    from aiohttp import web

    prefixes = tuple(prefixes)

    @web.middleware
    async def guard(request: Any, handler: Handler) -> Any:
        if token.required and (is_protected(request.path, prefixes) or is_protected(_route_pattern(request), prefixes)):
            reason = token.refusal(request.headers.get("Authorization"))
            if reason is not None:
                log.warning("operations_endpoint_refused", path=request.path[:200], reason=reason,
                            remote=request.remote)
                return unauthorized(reason)
        return await handler(request)

    return guard


def _route_pattern(request: Any) -> str:
    try:
        resource = request.match_info.route.resource
    except AttributeError:
        return ""
    return getattr(resource, "canonical", "") if resource is not None else ""


def guard_operations_endpoints(app: Any, token: OperationsToken) -> None:
    """Install the guard on a faust app's web server (before it starts)."""
    app.web.web_app.middlewares.append(bearer_middleware(token))
