"""Partner payouts in: read new settlements, name each line's case, publish on partner.remittance.

Each settlement line names our case by the reference the partner echoes, else through the
case-number index. A line that names neither is kept out of routing and the settlement is
still published (the splitter reports it), so one bad line never blocks a payout. Event ids
derive from the partner, the settlement id and its place in the feed: re-reading the same page
repeats the same ids, while a settlement id the partner sends a second time gets a new id, so
the settlement worker sees a true duplicate and drops it whole.
"""

from __future__ import annotations

import uuid
from typing import Any

from contracts import Envelope, SettlementReceived, new_message, settlement_id
from workers.infra.logs import get_logger
from workers.partner_gateway.feed_state import FeedState
from workers.partner_gateway.status_events import SOURCE

log = get_logger(__name__)
REMITTANCE_TOPIC = "partner.remittance"
SETTLEMENT_NAMESPACE = uuid.UUID("3b0f6a8e-58d2-4f0c-b7f1-8d9a6c2e4f17")


def cursor_key(partner: str) -> str:
    """Settlement feed cursors live beside the status cursors, under their own key."""
    return f"{partner}#settlements"


async def read_settlements(client: Any, state: FeedState, partner: str) -> tuple[list[tuple[str, Envelope]], str | None]:
    since = state.cursor(cursor_key(partner))
    summaries, cursor = await client.settlements(since=since)
    out: list[tuple[str, Envelope]] = []
    for position, summary in enumerate(summaries):
        settlement = await client.settlement(summary.settlement_id)
        if settlement is None:
            log.warning("settlement_vanished", partner=partner, settlement=summary.settlement_id)
            continue
        payload = SettlementReceived.model_validate({
            "partner": partner, "settlement_id": settlement_id(partner, settlement.settlement_id),
            "settlement_date": settlement.date, "currency": settlement.currency,
            "lines": [_line(partner, state, line) for line in settlement.lines],
        }, strict=False)
        event_id = uuid.uuid5(SETTLEMENT_NAMESPACE, f"{partner}|{settlement.settlement_id}|{since}|{position}")
        out.append((REMITTANCE_TOPIC, new_message("partner.settlement_received", payload, source=SOURCE,
                                                  event_id=event_id)))
    return out, cursor


def _line(partner: str, state: FeedState, line: Any) -> dict[str, Any]:
    data = line.model_dump(mode="json", exclude={"reference"})
    case_id = line.reference or state.case_id(partner, line.case_no)
    if case_id:
        data["case_id"] = case_id
    return {k: v for k, v in data.items() if v is not None}
