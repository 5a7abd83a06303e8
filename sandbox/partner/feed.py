"""The partner's outward feeds: status events and settlements, read with opaque cursors.

Both are append-only sequences numbered from 1; a cursor is the last ``seq`` a client has
seen, so polling ``since=<cursor>`` returns exactly what is new (Kravia's delta search).
Settlement lines keep the components as the partner reports them: decimal strings, all
non-negative except ``rounding`` and ``other``, with the partner's own ``payout`` if given.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sandbox.partner.money import ZERO, fmt
from sandbox.partner.records import iso


def page(items: list[Any], cursor: str | None, limit: int) -> tuple[list[Any], str, bool]:
    """Items with ``seq`` > cursor; cursors are opaque strings to clients."""
    after = int(cursor) if cursor and cursor.isdigit() else 0
    fresh = [item for item in items if item.seq > after]
    chosen = fresh[:limit]
    next_cursor = str(chosen[-1].seq) if chosen else str(after)
    return chosen, next_cursor, len(fresh) > limit


@dataclass
class StatusEvent:
    seq: int
    event_id: str
    case_no: str | None
    reference: str
    raw_status: str
    sub_status: str | None
    occurred_at: dt.datetime
    recorded_at: dt.datetime
    reason: str | None = None

    def to_api(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "case_no": self.case_no,
            "reference": self.reference,
            "status": self.raw_status,
            "sub_status": self.sub_status,
            "occurred_at": iso(self.occurred_at),
            "recorded_at": iso(self.recorded_at),
            "reason": self.reason,
        }


SETTLEMENT_COMPONENTS = (
    "principal",
    "interest",
    "kickback",
    "commission",
    "fee_vat_base",
    "fee_vat",
    "rounding",
    "other",
)


@dataclass
class Settlement:
    seq: int
    settlement_id: str
    date: dt.date
    currency: str
    lines: list[dict[str, Any]]
    created_at: dt.datetime

    @property
    def payout_total(self) -> Decimal:
        return sum((Decimal(line["payout"]) for line in self.lines if line.get("payout")), ZERO)

    def summary(self) -> dict[str, Any]:
        return {
            "settlement_id": self.settlement_id,
            "date": self.date.isoformat(),
            "currency": self.currency,
            "payout_total": fmt(self.payout_total),
            "line_count": len(self.lines),
            "created_at": iso(self.created_at),
        }

    def to_api(self) -> dict[str, Any]:
        return {**self.summary(), "lines": self.lines}
