"""Around every partner-API handler: unknown partner, faults, authentication, lost answers.

Order matters and mirrors a real deployment: an outage or overload answers before anything
else (so 503/429 mean "nothing was done"), then credentials are checked, then the handler acts,
and only then can the answer be lost (``error_after``/``timeout``), which is the failure that
tempts a client into creating doubles. Admin endpoints carry no operation tag and pass through.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from sandbox.partner.api import Handler, error
from sandbox.partner.auth import request_ok, unauthorized
from sandbox.partner.state import STATE


@web.middleware
async def partner_api(request: web.Request, handler: Handler) -> web.StreamResponse:
    name = getattr(request.match_info.handler, "operation", None)
    if name is None:
        return await handler(request)
    state = request.app[STATE]
    partner = request.match_info.get("partner", "")
    if partner not in state.books:
        return error(404, "unknown_partner", f"no partner {partner!r} here")
    plan = state.faults.plan(name)
    if plan.kind == "error":
        headers = {"Retry-After": "0"} if plan.status in (429, 503) else None
        response = error(plan.status, "unavailable", "injected fault: try again later")
        if headers:
            response.headers.update(headers)
        return response
    if name != "token" and not request_ok(request, partner, state.secrets[partner], state.issuer):
        return unauthorized()
    response = await handler(request)
    if plan.kind == "error_after":
        return error(500, "internal_error", "injected fault after the request was applied")
    if plan.kind == "timeout":
        await asyncio.sleep(state.faults.timeout_s)
    return response
