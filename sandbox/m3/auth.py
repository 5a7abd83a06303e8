"""The ION API authorization server's token endpoint and the gateway's bearer check.

`POST /{ti}/as/token.oauth2` takes the OAuth2 resource-owner password grant the .ionapi flow
uses (client_id/client_secret = ci/cs, username/password = saak/sask) and answers
`{access_token, token_type: "Bearer", expires_in}`. Wrong credentials are 401 with an OAuth2
error body; secrets are compared in constant time and never echoed.
"""

from __future__ import annotations

import hmac

from aiohttp import web

from sandbox.m3.state import STATE, SandboxState


async def token_endpoint(request: web.Request) -> web.Response:
    state = request.app[STATE]
    if request.match_info["ti"] != state.tenant.ti:
        return web.json_response({"error": "invalid_request", "error_description": "unknown tenant"}, status=404)
    form = await request.post()
    if form.get("grant_type") != "password":
        return web.json_response({"error": "unsupported_grant_type"}, status=400)
    t = state.tenant
    expected = {"client_id": t.ci, "client_secret": t.cs, "username": t.saak, "password": t.sask}
    if not all(hmac.compare_digest(str(form.get(k, "")).encode(), v.encode()) for k, v in expected.items()):
        state.calls["token_rejected"] += 1
        return web.json_response({"error": "invalid_client", "error_description": "Invalid client or user credentials"},
                                 status=401)
    state.calls["token_issued"] += 1
    return web.json_response({"access_token": state.tokens.issue(state.token_ttl), "token_type": "Bearer",
                              "expires_in": int(state.token_ttl)})


def bearer_ok(request: web.Request, state: SandboxState) -> bool:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return False
    return state.tokens.is_valid(token.strip(), state.faults.settings.early_token_expiry)


def unauthorized() -> web.Response:
    return web.json_response({"error": "invalid_token", "error_description": "Access token is missing, expired or unknown"},
                             status=401, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
