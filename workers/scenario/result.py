"""RESULT.json: the outside world after a run, in the shape SCENARIOS.md documents.

Read from the sandboxes' inspection endpoints (what M3 and the partners hold) and from the
topics (the case log, skips, discrepancies, dead letters). Keys are stable; additions go beside
them (`deferrals`, `run`), never instead of them.
"""

from __future__ import annotations

from typing import Any

import httpx

from workers.projections.dead_letters import dead_letters as stored_dead_letters
from workers.projections.replay import log_events
from workers.scenario.stack import Stack

INVOICE_FIELDS = ("division", "invoice", "year", "customer", "reminder_stop", "stopped_by", "stop_date", "info",
                  "open_amount", "currency")


def collect(stack: Stack, scenario: str, clock: str, rejected: list[dict[str, Any]]) -> dict[str, Any]:
    m3 = httpx.get(f"{stack.m3_url}/_sandbox/state", timeout=30).json()
    partner = httpx.get(f"{stack.partner_url}/_sandbox/state", timeout=30).json()
    events = case_events(stack)
    return {
        "scenario": scenario,
        "clock": clock,
        "m3": {
            "invoices": [{k: inv.get(k) or (None if k in ("stopped_by", "stop_date") else inv.get(k))
                          for k in INVOICE_FIELDS} for inv in m3["invoices"]],
            "statements": [{"settlement": s["settlement"], "division": s["division"], "head": s["head"],
                            "lines": [{"amount": line["amount"],
                                       "details": [{k: d.get(k) for k in ("type", "amount", "invoice", "year", "kid")}
                                                   for d in line["details"]]} for line in s["lines"]]}
                           for s in m3["statements"] if s.get("posted", True)],
            "journal": [{k: j.get(k) for k in ("settlement", "case_id", "account", "debit", "credit", "text")}
                        for j in m3["journal"]],
        },
        "partners": {pid: {"cases": [{k: c.get(k) for k in ("case_no", "reference", "status", "registration",
                                                               "direct_payments", "credits", "close_requests")}
                                     for c in book["cases"]],
                           "rejections": book.get("rejections", [])}
                     for pid, book in partner["partners"].items()},
        "case_events": events,
        "skips": [{"case_id": e["case_id"], "rule": e["payload"]["rule"], "reason": e["payload"]["reason"]}
                  for e in events if e["type"] == "case.invoice_skipped"],
        "deferrals": [{"case_id": e["case_id"], "rule": e["payload"]["rule"], "until": e["payload"].get("until")}
                      for e in events if e["type"] == "case.invoice_deferred"],
        "discrepancies": [{"settlement": e["payload"]["settlement_id"], "case_id": e["case_id"],
                           "reason": e["payload"]["reason"]}
                          for e in events if e["type"] == "case.settlement_discrepancy"],
        "dead_letters": dead_letters(stack),
        "rejected": rejected,
        "checks": [],
    }


def case_events(stack: Stack) -> list[dict[str, Any]]:
    """The full log, once per event id, with the fields a reader of RESULT.json needs."""
    keep = ("event_id", "type", "case_id", "occurred_at", "causation_id", "payload")
    return [{k: event[k] for k in keep} for event in log_events(stack.settings)]


def dead_letters(stack: Stack) -> list[dict[str, Any]]:
    """One entry per bad source record, however many workers dead-lettered it."""
    return [{"topic": stored.source, "partition": stored.letter.partition, "offset": stored.letter.offset,
             "error": stored.letter.error, "raw_length": stored.letter.raw_length,
             "raw_preview": stored.letter.raw()[:80].decode("utf-8", "replace")}
            for stored in stored_dead_letters(stack.settings)]
