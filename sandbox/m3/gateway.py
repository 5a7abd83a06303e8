"""What sits in front of M3: the ION API gateway's checks, latency and the fault injector.

Order per call: artificial latency (unless fast), one seeded fault decision, outage (503),
bearer check (401, MI only), injected 5xx, timeout (see `faults`), then M3 itself, with the
"error inside 200" fault handed to the MI layer. `/_sandbox/*` is never faulted nor guarded.
"""

from __future__ import annotations

import asyncio
from contextvars import ContextVar
from typing import Awaitable, Callable

from aiohttp import web

from sandbox.m3.auth import bearer_ok, unauthorized
from sandbox.m3.state import STATE, SandboxState

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ERROR_IN_200: ContextVar[bool] = ContextVar("error_in_200", default=False)  # per request task


@web.middleware
async def gateway(request: web.Request, handler: Handler) -> web.StreamResponse:
    state = request.app[STATE]
    if request.path.startswith("/_sandbox") or "ti" not in request.match_info:
        return await handler(request)
    if request.match_info["ti"] != state.tenant.ti:
        return web.json_response({"error": "unknown tenant"}, status=404)
    is_mi = "/M3/" in request.path
    if not state.fast and state.latency:
        await asyncio.sleep(state.latency)
    decision = state.faults.decide(mi_call=is_mi)
    target = "/".join(request.path.rsplit("/", 2)[-2:]) if "program" in request.match_info else request.path
    for kind, hit in (("outage", decision.outage), ("5xx", decision.error_status), ("timeout", decision.timeout),
                      ("error_in_200", decision.error_in_200)):
        if hit:
            state.calls[f"fault:{kind}:{target}"] += 1
    if decision.outage:
        return _gateway_error(state, 503, "Service Unavailable (outage)")
    if is_mi and not bearer_ok(request, state):
        state.calls["http_401"] += 1
        return unauthorized()
    if decision.error_status:
        return _gateway_error(state, decision.error_status, "Injected gateway error")
    settings = state.faults.settings
    if decision.timeout and not settings.timeout_after_processing:
        await asyncio.sleep(settings.timeout_seconds)
        return _gateway_error(state, 504, "Gateway Timeout")
    ERROR_IN_200.set(decision.error_in_200)
    response = await handler(request)
    if decision.timeout:
        await asyncio.sleep(settings.timeout_seconds)
    return response


def _gateway_error(state: SandboxState, status: int, text: str) -> web.Response:
    state.calls[f"http_{status}"] += 1
    return web.json_response({"error": text}, status=status)
