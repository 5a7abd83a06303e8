"""``POST /{partner}/oauth/token``: the OAuth2 client-credentials grant (RFC 6749 §4.4).

Advertises ``fault.token_ttl_s`` as ``expires_in``; with ``fault.token_early_expiry_s`` the
token actually dies sooner, like a partner that rotates its signing keys or restarts.
"""

from __future__ import annotations

from aiohttp import web

from sandbox.partner.api import error, operation
from sandbox.partner.auth import client_of, client_ok
from sandbox.partner.state import STATE


@operation("token")
async def token(request: web.Request) -> web.Response:
    state = request.app[STATE]
    partner = request.match_info["partner"]
    form = {k: str(v) for k, v in (await request.post()).items()}
    if form.get("grant_type") != "client_credentials":
        return error(400, "unsupported_grant_type", "only client_credentials is supported")
    if not client_ok(state.secrets[partner], client_of(request, form)):
        return error(401, "invalid_client", "unknown client or wrong secret")
    fault = state.mode.fault
    lifetime = fault.token_early_expiry_s if fault.token_early_expiry_s is not None else fault.token_ttl_s
    access_token = state.issuer.issue(partner, lifetime)
    return web.json_response(
        {"access_token": access_token, "token_type": "Bearer", "expires_in": fault.token_ttl_s},
        headers={"Cache-Control": "no-store"},
    )


def add_routes(app: web.Application) -> None:
    app.router.add_post("/{partner}/oauth/token", token)
