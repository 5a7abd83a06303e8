"""One line per invoice, folded from its events: the case as a person asks about it.

Pure: a `singledispatch`-free fold over event dicts (the JSON of envelopes), so the same code
serves the CLI (reading the topic), the demo summary and replay comparisons. `fold` says what
each event does to a case, one immutable step at a time; `summaries` does exactly the same with
one mutable accumulator per case (replay folds hundreds of thousands of events, and copying a
16-field frozen dataclass per event was most of the fold's time), and a unit test holds the two
to the same results.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

STATUS_OF_CODE = {0: "none", 1: "sent_partner", 2: "acknowledged", 3: "collection", 4: "dispute",
                  5: "conciliation_board", 6: "legal", 8: "closed_unsettled", 9: "closed_settled"}


@dataclass(frozen=True)
class CaseSummary:
    case_id: str
    state: str = "new"
    partner: str | None = None
    case_no: str | None = None
    status: str | None = None
    code: int = 0
    customer: str | None = None
    currency: str | None = None
    amount: Decimal | None = None
    open_amount: Decimal | None = None
    skip_rule: str | None = None
    deferred_rule: str | None = None
    forwarded: Decimal = Decimal("0.00")
    settled_principal: Decimal = Decimal("0.00")
    events: int = 0
    problems: tuple[str, ...] = field(default=())

    @property
    def division(self) -> str:
        return self.case_id.split("/")[1]

    @property
    def awaiting_settlement(self) -> bool:
        """Closed settled by the partner while M3 still shows money open: the payout has not come."""
        return self.code == 9 and (self.open_amount or Decimal(0)) > 0


def fold(summary: CaseSummary, event: dict[str, Any]) -> CaseSummary:
    kind, p = event["type"], event["payload"]
    s = replace(summary, events=summary.events + 1)
    if kind == "case.invoice_skipped":
        return s if s.state in ("active", "closed", "rejected") else replace(s, state="skipped", skip_rule=p["rule"])
    if kind == "case.invoice_deferred":
        return replace(s, state="deferred", deferred_rule=p["rule"])
    if kind == "case.handed_over":
        return replace(s, state="active", partner=p["partner"], customer=p["customer"], currency=p["currency"],
                       amount=Decimal(p["open_amount"]), open_amount=Decimal(p["open_amount"]), code=1,
                       status="sent_partner", skip_rule=None)
    if kind == "case.registration_accepted":
        return replace(s, case_no=p["case_no"], code=max(s.code, 2) if s.code < 8 else s.code,
                       status=s.status if s.code >= 2 else "acknowledged")
    if kind == "case.registration_rejected":
        return replace(s, state="rejected", code=0, status="rejected", problems=(*s.problems, p["reason"]))
    if kind == "case.status_changed":
        closed = p["code"] in (8, 9)
        return replace(s, status=p["status"], code=p["code"], case_no=p["case_no"], state="closed" if closed else s.state)
    if kind == "case.posting_recorded":
        return replace(s, open_amount=Decimal(p["open_amount_after"]))
    if kind == "case.payment_forwarded":
        return replace(s, forwarded=s.forwarded + Decimal(p["amount"]))
    if kind == "case.settlement_line_accepted":
        return replace(s, settled_principal=s.settled_principal + Decimal(p["principal"]),
                       open_amount=Decimal(p["open_amount_after"]))
    if kind in ("case.settlement_discrepancy", "case.command_failed"):
        return replace(s, problems=(*s.problems, p["reason"]))
    return s


def summaries(events: list[dict[str, Any]]) -> dict[str, CaseSummary]:
    """Every case's summary: `fold` over its events in order, with the fields kept in one dict per
    case while folding. The dict is the new `CaseSummary`'s own ``__dict__`` — what its frozen
    ``__init__`` would fill, one ``object.__setattr__`` per field — so building the summaries
    costs no copies at all; nothing else sees them before they are returned."""
    with gc_paused():
        return _summaries(events)


def _summaries(events: list[dict[str, Any]]) -> dict[str, CaseSummary]:
    cases: dict[str, CaseSummary] = {}
    blank = object.__new__
    for event in events:
        case_id = event["case_id"]
        kind, p = event["type"], event["payload"]
        summary = cases.get(case_id)
        if summary is None:
            summary = cases[case_id] = blank(CaseSummary)
            s = summary.__dict__
            s["case_id"] = case_id
            s.update(_NEW)
        else:
            s = summary.__dict__
        s["events"] += 1
        if kind == "case.handed_over":
            s["state"], s["partner"] = "active", p["partner"]
            s["customer"], s["currency"] = p["customer"], p["currency"]
            s["amount"] = s["open_amount"] = Decimal(p["open_amount"])  # as fold: both from open_amount
            s["code"], s["status"], s["skip_rule"] = 1, "sent_partner", None
        elif kind == "case.registration_accepted":
            code = s["code"]
            s["case_no"] = p["case_no"]
            s["code"] = max(code, 2) if code < 8 else code
            if code < 2:
                s["status"] = "acknowledged"
        elif kind == "case.status_changed":
            s["status"], s["code"], s["case_no"] = p["status"], p["code"], p["case_no"]
            if p["code"] in (8, 9):
                s["state"] = "closed"
        elif kind == "case.invoice_skipped":
            if s["state"] not in ("active", "closed", "rejected"):
                s["state"], s["skip_rule"] = "skipped", p["rule"]
        elif kind == "case.invoice_deferred":
            s["state"], s["deferred_rule"] = "deferred", p["rule"]
        elif kind == "case.registration_rejected":
            s["state"], s["code"], s["status"] = "rejected", 0, "rejected"
            s["problems"] = (*s["problems"], p["reason"])
        elif kind == "case.posting_recorded":
            s["open_amount"] = Decimal(p["open_amount_after"])
        elif kind == "case.payment_forwarded":
            s["forwarded"] = s["forwarded"] + Decimal(p["amount"])
        elif kind == "case.settlement_line_accepted":
            s["settled_principal"] = s["settled_principal"] + Decimal(p["principal"])
            s["open_amount"] = Decimal(p["open_amount_after"])
        elif kind in ("case.settlement_discrepancy", "case.command_failed"):
            s["problems"] = (*s["problems"], p["reason"])
    return cases


_NEW = {name: value for name, value in vars(CaseSummary(case_id="")).items() if name != "case_id"}
"""A new case's fields after its id, in declaration order: the defaults `CaseSummary` gives."""


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: for bulk loops that build many long-lived containers
    and no reference cycles (replay's decode and fold). The collector would otherwise walk every
    container built so far again and again as the count grows, a third of such a loop's time.
    Enabled again afterwards unless it was off before."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
