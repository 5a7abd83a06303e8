"""Autonomous mode: the sandbox partner works its cases by itself, for the demo.

Each tick, every held case with a case number may move one step along a plausible Norwegian
collection path (varsel → inkasso → maybe innsigelse or rettslig → closed), close requests are
honoured, and cases closed settled are paid out in one settlement per partner and tick. Every
choice comes from one RNG seeded by the mode's seed, so a demo replays the same way.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sandbox.partner.book import PartnerBook
from sandbox.partner.money import CENT, ZERO, fmt
from sandbox.partner.records import Claim
from sandbox.partner.vocabulary import RAW_BY_CANONICAL, canonical_of

if TYPE_CHECKING:
    from sandbox.partner.state import SandboxState

log = logging.getLogger(__name__)
VAT_RATE = Decimal("0.25")


def _settlement_line(claim: Claim) -> dict[str, Any] | None:
    principal = claim.balance
    if principal <= ZERO:
        return None
    interest = (principal * Decimal("0.02")).quantize(CENT)
    fee_vat_base = min((principal * Decimal("0.10")).quantize(CENT), Decimal("1000.00"))
    fee_vat = (fee_vat_base * VAT_RATE).quantize(CENT)
    line = {
        "case_no": claim.case_no,
        "principal": fmt(principal),
        "interest": fmt(interest),
        "kickback": "0.00",
        "commission": "0.00",
        "fee_vat_base": fmt(fee_vat_base),
        "fee_vat": fmt(fee_vat),
        "rounding": "0.00",
        "other": "0.00",
    }
    line["payout"] = fmt(principal + interest - fee_vat)
    return line


def _next(canonical: str, rng: random.Random) -> tuple[str, str | None]:
    draw = rng.random()
    if canonical == "acknowledged":
        return "reminder", None
    if canonical in ("reminder", "dispute"):
        return "collection", "BETALINGSOPPFORDRING"
    if canonical == "collection":
        if draw < 0.1:
            return "dispute", None
        if draw < 0.2:
            return "legal", None
        if draw < 0.3:
            return "closed_unsettled", "AVSKREVET"
        return "closed_settled", None
    if canonical == "conciliation_board":
        return "legal", None
    return "closed_settled", None


def step_book(book: PartnerBook, rng: random.Random, today: dt.date) -> None:
    lines: dict[str, list[dict[str, Any]]] = {}
    for claim in book.held():
        if claim.closed:
            continue
        if claim.case_no is None:
            book.assign_case_no(claim, book.next_case_no())
            continue
        if claim.close_requests:
            paid = claim.balance <= ZERO
            status = "closed_settled" if paid else "closed_unsettled"
            book.set_status(claim, RAW_BY_CANONICAL[status], "BETALT_DIREKTE" if paid else "TRUKKET")
            continue
        if rng.random() < 0.5:
            continue
        status, sub = _next(canonical_of(claim.current.raw_status) or "collection", rng)
        line = _settlement_line(claim) if status == "closed_settled" else None
        book.set_status(claim, RAW_BY_CANONICAL[status], sub)
        if line:
            lines.setdefault(claim.registration["invoice"]["currency"], []).append(line)
    for currency, batch in sorted(lines.items()):
        settlement_id = f"{book.partner}-S{len(book.settlements) + 1:05d}"
        book.add_settlement(settlement_id, today, currency, batch, naive=False)


async def run_autopilot(state: SandboxState) -> None:
    tick = 0.2 if state.mode.fast else 3.0
    while True:
        await asyncio.sleep(tick)
        today = dt.datetime.now(dt.UTC).date()
        for partner in sorted(state.books):
            try:
                step_book(state.books[partner], state.autopilot_rng, today)
            except Exception:
                log.exception("autopilot step failed for %s", partner)
