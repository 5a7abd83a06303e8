"""``/_sandbox/...``: what scenario steps and tests use to play the partner's side.

Scenario steps name invoices and canonical statuses (SCENARIOS.md); these endpoints translate
them into what the partner would do — assign a case number, reject, change a status in its
own vocabulary, pay out a settlement — each of which lands on the delta feed and fires a
webhook. Bodies are strict: an unknown key is a 400 that names it.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from aiohttp import web
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from sandbox.partner.api import error, json_body
from sandbox.partner.book import Conflict, PartnerBook
from sandbox.partner.feed import SETTLEMENT_COMPONENTS
from sandbox.partner.money import parse_amount
from sandbox.partner.records import Claim
from sandbox.partner.state import STATE
from sandbox.partner.validation import parse
from sandbox.partner.vocabulary import RAW_BY_CANONICAL, SCRIPTABLE


def _moment(value: object) -> object:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time())
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value


Moment = Annotated[dt.datetime, BeforeValidator(_moment)]
Amount = Annotated[str, BeforeValidator(lambda v: str(parse_amount(v)))]


class _Admin(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Which(_Admin):
    """A registration named by our reference, or by invoice number (+ division, year)."""

    reference: str | None = None
    invoice: str | None = None
    division: str | None = None
    year: int | str | None = None
    at: Moment | None = None

    @model_validator(mode="after")
    def _named(self) -> Which:
        if not self.reference and not self.invoice:
            raise ValueError("give reference or invoice")
        return self

    def matches(self, claim: Claim) -> bool:
        if self.reference:
            return claim.reference == self.reference
        parts = claim.reference.split("/")
        return (
            claim.registration["invoice"]["number"] == self.invoice
            and (self.division is None or (len(parts) == 4 and parts[1] == self.division))
            and (self.year is None or (len(parts) == 4 and parts[3] == str(self.year)))
        )


class ReceiptIn(Which):
    case_no: str = Field(min_length=1)


class RejectionIn(Which):
    reason: str = Field(min_length=1)


class StatusIn(_Admin):
    case_no: str = Field(min_length=1)
    status: str | None = None
    raw_status: str | None = None
    sub_status: str | None = None
    at: Moment | None = None

    @model_validator(mode="after")
    def _one_status(self) -> StatusIn:
        if (self.status is None) == (self.raw_status is None):
            raise ValueError("give exactly one of status (canonical) or raw_status")
        if self.status is not None and self.status not in SCRIPTABLE:
            raise ValueError(f"status must be one of {sorted(SCRIPTABLE)}")
        return self


class LineIn(_Admin):
    case_no: str = Field(min_length=1)
    principal: Amount = "0.00"
    interest: Amount = "0.00"
    kickback: Amount = "0.00"
    commission: Amount = "0.00"
    fee_vat_base: Amount = "0.00"
    fee_vat: Amount = "0.00"
    rounding: Amount = "0.00"
    other: Amount = "0.00"
    payout: Amount | None = None
    currency: str | None = None


class SettlementIn(_Admin):
    settlement: str = Field(min_length=1)
    date: dt.date
    currency: str | None = None
    lines: list[LineIn] = Field(min_length=1)


def _book(request: web.Request) -> PartnerBook:
    book = request.app[STATE].book(request.match_info["partner"])
    if book is None:
        raise web.HTTPNotFound(text=f"no partner {request.match_info['partner']!r}")
    return book


def _bad(reasons: list[str]) -> web.Response:
    return error(400, "invalid_step", "; ".join(reasons), reasons=reasons)


async def receipt(request: web.Request) -> web.Response:
    book = _book(request)
    body, reasons = parse(ReceiptIn, await json_body(request))
    if body is None:
        return _bad(reasons)
    candidates = [c for c in book.claims if not c.rejected and body.matches(c)]
    claim = next((c for c in candidates if c.case_no is None), None) or next(
        (c for c in candidates if c.case_no == body.case_no), None
    )
    if claim is None:
        return error(
            404 if not candidates else 409, "no_registration", "no registration without a case number matches"
        )
    try:
        event = book.assign_case_no(claim, body.case_no, body.at)
    except Conflict as exc:
        return error(409, "conflict", str(exc))
    return web.json_response({"case": claim.to_api(), "event": event.to_api()})


async def rejection(request: web.Request) -> web.Response:
    book = _book(request)
    body, reasons = parse(RejectionIn, await json_body(request))
    if body is None:
        return _bad(reasons)
    claim = next((c for c in book.claims if not c.rejected and body.matches(c)), None)
    if claim is None:
        return error(404, "no_registration", "no held registration matches")
    event = book.reject(claim, body.reason, body.at)
    return web.json_response({"case": claim.to_api(), "event": event.to_api()})


async def status(request: web.Request) -> web.Response:
    book = _book(request)
    body, reasons = parse(StatusIn, await json_body(request))
    if body is None:
        return _bad(reasons)
    claim = book.by_case_no(body.case_no)
    if claim is None:
        return error(404, "not_found", f"no case {body.case_no}")
    raw = body.raw_status or RAW_BY_CANONICAL[body.status or ""]
    event = book.set_status(claim, raw, body.sub_status, body.at)
    return web.json_response({"case": claim.to_api(), "event": event.to_api()})


async def settlement(request: web.Request) -> web.Response:
    state = request.app[STATE]
    book = _book(request)
    body, reasons = parse(SettlementIn, await json_body(request))
    if body is None:
        return _bad(reasons)
    lines: list[dict[str, Any]] = [line.model_dump(exclude_none=True) for line in body.lines]
    for line in lines:
        line.setdefault("payout", None)
        for key in SETTLEMENT_COMPONENTS:
            line.setdefault(key, "0.00")
    first = book.by_case_no(body.lines[0].case_no)
    currency = (
        body.currency
        or body.lines[0].currency
        or (first.registration["invoice"]["currency"] if first else "NOK")
    )
    try:
        created = book.add_settlement(body.settlement, body.date, currency, lines, naive=state.mode.naive)
    except Conflict as exc:
        return error(409, "duplicate_settlement", str(exc), settlement=exc.existing)
    return web.json_response(created.to_api())


def add_routes(app: web.Application) -> None:
    app.router.add_post("/_sandbox/{partner}/receipt", receipt)
    app.router.add_post("/_sandbox/{partner}/rejection", rejection)
    app.router.add_post("/_sandbox/{partner}/status", status)
    app.router.add_post("/_sandbox/{partner}/settlement", settlement)
