"""`/_sandbox/*`: how a test, the demo or the scenario runner scripts the tenant.

No bearer needed (sandbox only). Endpoints:
- `GET  /_sandbox/health`          readiness
- `GET  /_sandbox/state`           everything (see `dump`)
- `POST /_sandbox/load`            customers, invoices, accounts, settlement_functions (see `loading`)
- `POST /_sandbox/reset`           forget ledger, statements, journal, events
- `POST /_sandbox/postings`        {division, invoice, year, kind payment|credit, amount, function, date}
- `POST /_sandbox/overdue`         {division, invoice, year, reminders, last_reminder}
- `POST /_sandbox/mode`            {naive, fast, allow_overpayment, latency, token_ttl, seed, fault,
                                    ingress_attempts, ingress_max_backoff, ingress_duplicate_rate}
- `POST /_sandbox/ingress`         {url, token}: where CMS049 events go
- `POST /_sandbox/tokens/revoke`   invalidate every issued token now
- `POST /_sandbox/drain`           wait until no event delivery is pending
Posting and overdue answer after the event's delivery finished (with retries), so "the step is
done" means the service has been told; statement postings deliver in the background — wait with
`drain` or watch `events.pending`.
"""

from __future__ import annotations

import json
import random
from decimal import Decimal
from typing import Any, Awaitable, Callable

from aiohttp import web

from sandbox.m3 import loading, postings
from sandbox.m3.cms049 import fsledg_event
from sandbox.m3.dump import dump
from sandbox.m3.faults import FaultSettings
from sandbox.m3.fsledg import invoice_row
from sandbox.m3.records import fmt_date
from sandbox.m3.state import STATE, SandboxState

Route = Callable[[SandboxState, dict[str, Any]], Awaitable[web.Response]]


def register(router: web.UrlDispatcher) -> None:
    router.add_get("/_sandbox/health", _health)
    router.add_get("/_sandbox/state", _state)
    for path, route in {"load": _load, "reset": _reset, "postings": _posting, "overdue": _overdue,
                        "mode": _mode, "ingress": _ingress, "tokens/revoke": _revoke, "drain": _drain}.items():
        router.add_post(f"/_sandbox/{path}", _with_body(route))


def _with_body(route: Route) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        text = await request.text()
        try:
            body = json.loads(text, parse_float=Decimal) if text.strip() else {}
            if not isinstance(body, dict):
                raise ValueError("body must be a JSON object")
            return await route(request.app[STATE], body)
        except (ValueError, KeyError, TypeError, ArithmeticError) as exc:
            return _error(400, f"{type(exc).__name__}: {exc}")
    return handle


def _ok(body: Any) -> web.Response:
    return web.json_response(body, dumps=lambda o: json.dumps(o, default=str))


class NotLoaded(Exception):
    pass


async def _health(request: web.Request) -> web.Response:
    return _ok({"status": "ok", "tenant": request.app[STATE].tenant.ti})


async def _state(request: web.Request) -> web.Response:
    return _ok(dump(request.app[STATE]))


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


async def _load(state: SandboxState, body: dict[str, Any]) -> web.Response:
    return _ok({"loaded": loading.load(state, body)})


async def _reset(state: SandboxState, body: dict[str, Any]) -> web.Response:
    state.reset()
    return _ok({"reset": True})


def _invoice(state: SandboxState, body: dict[str, Any]):
    inv = state.find_invoice(str(body["division"]), str(body["invoice"]), int(body["year"]))
    if inv is None:
        raise NotLoaded(f"invoice {body['division']}/{body['invoice']}/{body['year']} not loaded")
    return inv


async def _posting(state: SandboxState, body: dict[str, Any]) -> web.Response:
    try:
        inv = _invoice(state, body)
        event = postings.book(state, inv, kind=str(body["kind"]), amount=Decimal(str(body["amount"])),
                              function=str(body["function"]), posted=loading.parse_day(body["date"]))
    except NotLoaded as exc:
        return _error(404, str(exc))
    except postings.PostingRejected as exc:
        return _error(409, str(exc))
    delivery = await state.ingress.send(event)
    return _ok({"event": event, "delivery": delivery.status})


async def _overdue(state: SandboxState, body: dict[str, Any]) -> web.Response:
    try:
        inv = _invoice(state, body)
    except NotLoaded as exc:
        return _error(404, str(exc))
    old = {"RMQT": str(inv.reminders), "LRDT": fmt_date(inv.last_reminder)}
    inv.reminders = int(body["reminders"])
    inv.last_reminder = loading.parse_day(body["last_reminder"]) if body.get("last_reminder") else None
    row = invoice_row(state.company, inv, state.customers.get(inv.customer))
    event = fsledg_event(row, operation="UPDATE", message="overdue", tenant=state.tenant.ti, old_fields=old)
    delivery = await state.ingress.send(event)
    return _ok({"event": event, "delivery": delivery.status})


async def _mode(state: SandboxState, body: dict[str, Any]) -> web.Response:
    for flag in ("naive", "fast", "allow_overpayment"):
        if flag in body:
            setattr(state, flag, bool(body[flag]))
    for number in ("latency", "token_ttl"):
        if number in body:
            setattr(state, number, float(body[number]))
    if "fault" in body:
        fault = body["fault"] or {}
        seed = fault.get("seed", body.get("seed"))
        state.faults.configure(FaultSettings.from_json(fault), None if seed is None else int(seed))
    elif "seed" in body:
        state.faults.configure(state.faults.settings, int(body["seed"]))
    if "fast" in body:
        state.ingress.backoff = 0.01 if state.fast else 0.25
    if "ingress_attempts" in body:
        state.ingress.attempts = max(1, int(body["ingress_attempts"]))
    if "ingress_max_backoff" in body:
        state.ingress.max_backoff = float(body["ingress_max_backoff"])
    if "ingress_duplicate_rate" in body:
        state.ingress.duplicate_rate = float(body["ingress_duplicate_rate"])
        state.ingress.rng = random.Random(f"ingress:{body.get('seed', 0)}")
    return _ok(dump(state)["modes"])


async def _ingress(state: SandboxState, body: dict[str, Any]) -> web.Response:
    state.ingress.configure(body.get("url") or None, body.get("token") or None)
    return _ok({"url": state.ingress.url})


async def _revoke(state: SandboxState, body: dict[str, Any]) -> web.Response:
    return _ok({"revoked": state.tokens.revoke_all()})


async def _drain(state: SandboxState, body: dict[str, Any]) -> web.Response:
    await state.ingress.drain()
    return _ok(state.ingress.summary()["counts"])
