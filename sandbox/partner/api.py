"""The partner's REST API under ``/{partner}/api/v1`` (contract: README.md beside this file).

Shaped after Kravia's collection API: register a case, tell it about direct payments and
credit notes (negative amounts), request a close, read a delta status feed, case details and
settlements with per-case lines. Authentication and faults are applied around these handlers
by ``middleware.py``; each handler is tagged with the operation name faults refer to.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from sandbox.partner.book import NotFound, Refused
from sandbox.partner.feed import page
from sandbox.partner.records import CloseRequest, Posting
from sandbox.partner.state import STATE, SandboxState, utc_now
from sandbox.partner.validation import CloseRequestIn, PostingIn, RegistrationIn, parse

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def operation(name: str) -> Callable[[Handler], Handler]:
    def tag(handler: Handler) -> Handler:
        handler.operation = name  # type: ignore[attr-defined]
        return handler

    return tag


def error(status: int, code: str, message: str, **extra: Any) -> web.Response:
    return web.json_response({"error": code, "message": message, **extra}, status=status)


async def json_body(request: web.Request) -> Any:
    try:
        return json.loads(await request.text())
    except ValueError:
        raise web.HTTPBadRequest(
            text=json.dumps({"error": "bad_request", "message": "body is not JSON"}),
            content_type="application/json",
        ) from None


def _state(request: web.Request) -> tuple[SandboxState, Any]:
    state = request.app[STATE]
    return state, state.books[request.match_info["partner"]]


@operation("register_case")
async def register_case(request: web.Request) -> web.Response:
    state, book = _state(request)
    registration, reasons = parse(RegistrationIn, await json_body(request))
    if registration is None:
        return error(422, "validation_failed", "registration refused", reasons=reasons)
    if state.mode.mode == "autonomous" and registration.invoice.disputed:
        return error(
            422,
            "refused",
            "registration refused",
            reasons=["invoice.disputed: disputed claims are not taken over"],
        )
    claim, created = book.register(registration.model_dump(mode="json"), naive=state.mode.naive)
    if not created:
        return error(
            409, "duplicate_reference", f"reference {claim.reference} is registered", case=claim.to_api()
        )
    if state.mode.mode == "autonomous":
        book.assign_case_no(claim, book.next_case_no())
    return web.json_response(claim.to_api(), status=201)


@operation("find_cases")
async def find_cases(request: web.Request) -> web.Response:
    _, book = _state(request)
    reference = request.query.get("reference")
    if not reference:
        return error(400, "bad_request", "query parameter reference is required")
    return web.json_response({"cases": [c.to_api() for c in book.by_reference(reference)]})


@operation("case_details")
async def case_details(request: web.Request) -> web.Response:
    _, book = _state(request)
    claim = book.by_case_no(request.match_info["case_no"])
    if claim is None:
        return error(404, "not_found", "no such case")
    return web.json_response(claim.to_api())


def _target(book: Any, request: web.Request, case_no: str | None, reference: str | None) -> Any:
    case_no = request.match_info.get("case_no") or case_no
    if not case_no and not reference:
        raise NotFound("case_no or reference is required")
    return book.resolve(case_no=case_no, reference=reference)


def _posting_handler(kind: str) -> Handler:
    async def handle(request: web.Request) -> web.Response:
        state, book = _state(request)
        posting_in, reasons = parse(PostingIn, await json_body(request))
        if posting_in is None:
            return error(422, "validation_failed", f"{kind} refused", reasons=reasons)
        try:
            claim = _target(book, request, posting_in.case_no, posting_in.reference)
            posting = Posting(posting_in.posting_id, posting_in.amount, posting_in.date, utc_now())
            record, created = book.add_posting(claim, kind, posting, naive=state.mode.naive)
        except NotFound as exc:
            return error(404, "not_found", str(exc))
        except Refused as exc:
            return error(422, "refused", str(exc), reasons=[str(exc)])
        body = {"posting": record.to_api(), "case_no": claim.case_no, "balance": claim.to_api()["balance"]}
        if not created:
            return error(409, "duplicate_posting", f"posting {record.posting_id} is recorded", **body)
        return web.json_response(body, status=201)

    return operation("payment" if kind == "payment" else "credit_note")(handle)


@operation("close_request")
async def close_request(request: web.Request) -> web.Response:
    state, book = _state(request)
    close_in, reasons = parse(CloseRequestIn, await json_body(request))
    if close_in is None:
        return error(422, "validation_failed", "close request refused", reasons=reasons)
    try:
        claim = _target(book, request, close_in.case_no, close_in.reference)
        record, created = book.add_close_request(
            claim, CloseRequest(close_in.request_id, close_in.reason, utc_now()), naive=state.mode.naive
        )
    except NotFound as exc:
        return error(404, "not_found", str(exc))
    except Refused as exc:
        return error(422, "refused", str(exc), reasons=[str(exc)])
    body = {"close_request": record.to_api(), "case_no": claim.case_no}
    if not created:
        return error(409, "duplicate_close_request", "close request is recorded", **body)
    return web.json_response(body, status=201)


def _limit(request: web.Request) -> int:
    try:
        return max(1, min(int(request.query.get("limit", "100")), 500))
    except ValueError:
        return 100


@operation("status_changes")
async def status_changes(request: web.Request) -> web.Response:
    _, book = _state(request)
    events, cursor, more = page(book.events, request.query.get("since"), _limit(request))
    return web.json_response(
        {"events": [e.to_api() for e in events], "next_cursor": cursor, "has_more": more}
    )


@operation("settlements")
async def settlements(request: web.Request) -> web.Response:
    _, book = _state(request)
    chosen, cursor, more = page(book.settlements, request.query.get("since"), _limit(request))
    return web.json_response(
        {"settlements": [s.summary() for s in chosen], "next_cursor": cursor, "has_more": more}
    )


@operation("settlement")
async def settlement(request: web.Request) -> web.Response:
    _, book = _state(request)
    found = book.latest_settlement(request.match_info["settlement_id"])
    if found is None:
        return error(404, "not_found", "no such settlement")
    return web.json_response(found.to_api())


def add_routes(app: web.Application) -> None:
    base = "/{partner}/api/v1"
    payment, credit = _posting_handler("payment"), _posting_handler("credit")
    app.router.add_post(f"{base}/cases", register_case)
    app.router.add_get(f"{base}/cases", find_cases)
    app.router.add_get(f"{base}/cases/{{case_no}}", case_details)
    app.router.add_post(f"{base}/cases/{{case_no}}/payments", payment)
    app.router.add_post(f"{base}/cases/{{case_no}}/credit-notes", credit)
    app.router.add_post(f"{base}/cases/{{case_no}}/close-requests", close_request)
    app.router.add_post(f"{base}/payments", payment)
    app.router.add_post(f"{base}/credit-notes", credit)
    app.router.add_post(f"{base}/close-requests", close_request)
    app.router.add_get(f"{base}/status-changes", status_changes)
    app.router.add_get(f"{base}/settlements", settlements)
    app.router.add_get(f"{base}/settlements/{{settlement_id}}", settlement)
