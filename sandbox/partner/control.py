"""Sandbox-wide controls: mode and faults, webhook target, reset, state, health.

``GET /_sandbox/state`` is what a scenario runner turns into RESULT.json's ``partners``
section; ``pending_webhooks`` tells it whether deliveries are still in flight ("quiet").
"""

from __future__ import annotations

from aiohttp import web
from pydantic import ValidationError

from sandbox.partner.api import error, json_body
from sandbox.partner.state import STATE
from sandbox.partner.validation import reasons_of


async def set_mode(request: web.Request) -> web.Response:
    state = request.app[STATE]
    body = await json_body(request)
    if not isinstance(body, dict):
        return error(400, "invalid_mode", "body must be an object")
    try:
        mode = state.mode.merged(body)
    except ValidationError as exc:
        reasons = reasons_of(exc)
        return error(400, "invalid_mode", "; ".join(reasons), reasons=reasons)
    await state.set_mode(mode)
    return web.json_response({"mode": mode.model_dump()})


async def set_webhook(request: web.Request) -> web.Response:
    state = request.app[STATE]
    body = await json_body(request)
    url = body.get("url") if isinstance(body, dict) else None
    if url is not None and not (isinstance(url, str) and url.startswith(("http://", "https://"))):
        return error(400, "invalid_url", "url must be an http(s) URL or null")
    state.webhooks.url = url
    return web.json_response({"webhook_url": url})


async def reset(request: web.Request) -> web.Response:
    request.app[STATE].reset()
    return web.json_response({"reset": True})


async def state_view(request: web.Request) -> web.Response:
    return web.json_response(request.app[STATE].view())


async def health(request: web.Request) -> web.Response:
    state = request.app[STATE]
    return web.json_response({"ok": True, "partners": sorted(state.books), "mode": state.mode.mode})


def add_routes(app: web.Application) -> None:
    app.router.add_post("/_sandbox/mode", set_mode)
    app.router.add_post("/_sandbox/webhook", set_webhook)
    app.router.add_post("/_sandbox/reset", reset)
    app.router.add_get("/_sandbox/state", state_view)
    app.router.add_get("/_sandbox/health", health)
