"""Our adapter models ↔ the partner's JSON (see sandbox/partner/README.md for the API).

The one convention that differs from ours is the sign of credit notes: like Kravia, the
partner wants and reports them as negative amounts, while our contracts carry magnitudes.
Everything that crosses here is converted once, in this module. Partner JSON is parsed with
``parse_float=Decimal`` so a partner sending numbers instead of strings loses nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal

from pydantic import ValidationError

from workers.adapters.partner.errors import PartnerProtocolError
from workers.adapters.partner.models import (
    CaseDetails,
    CaseRegistration,
    CloseRequestRecord,
    PostingRecord,
    Settlement,
    SettlementLine,
    SettlementSummary,
    StatusChange,
    StatusHistoryEntry,
)
from workers.adapters.partner.status_mapping import StatusMapping

PostingKind = Literal["payment", "credit"]


def loads(content: bytes) -> Any:
    try:
        return json.loads(content, parse_float=Decimal) if content else None
    except ValueError:
        raise PartnerProtocolError("partner answered with a body that is not JSON") from None


def registration_body(registration: CaseRegistration) -> dict[str, Any]:
    """Only fields that carry a value travel (GDPR data minimisation)."""
    return registration.model_dump(mode="json", exclude_none=True)


def posting_body(
    kind: PostingKind, amount: Decimal, posting_id: str, booking_date: dt.date | None
) -> dict[str, Any]:
    if amount <= 0:
        raise ValueError("a forwarded amount is a positive magnitude")
    signed = -amount if kind == "credit" else amount
    body: dict[str, Any] = {"posting_id": posting_id, "amount": format(signed, "f")}
    if booking_date is not None:
        body["date"] = booking_date.isoformat()
    return body


def _posting(item: Mapping[str, Any]) -> PostingRecord:
    return PostingRecord(
        posting_id=item.get("posting_id"),
        amount=abs(Decimal(str(item["amount"]))),
        date=item.get("date"),
    )


def _parse(what: str, build: Any) -> Any:
    try:
        return build()
    except (KeyError, TypeError, ValueError, ValidationError) as exc:
        raise PartnerProtocolError(f"unexpected {what} from partner: {type(exc).__name__}") from None


def case_details(item: Mapping[str, Any], mapping: StatusMapping) -> CaseDetails:
    def build() -> CaseDetails:
        return CaseDetails(
            partner_case_id=str(item["id"]),
            case_no=item.get("case_no"),
            reference=item["reference"],
            raw_status=item["status"],
            sub_status=item.get("sub_status"),
            status=mapping.try_canonical(item["status"]),
            balance=Decimal(str(item["balance"])),
            payments=tuple(_posting(p) for p in item.get("payments", ())),
            credits=tuple(_posting(c) for c in item.get("credit_notes", ())),
            close_requests=tuple(
                CloseRequestRecord(request_id=c.get("request_id"), reason=c["reason"])
                for c in item.get("close_requests", ())
            ),
            history=tuple(
                StatusHistoryEntry(
                    raw_status=h["status"],
                    sub_status=h.get("sub_status"),
                    status=mapping.try_canonical(h["status"]),
                    occurred_at=h["occurred_at"],
                )
                for h in item.get("history", ())
            ),
            rejection_reason=item.get("rejection_reason"),
        )

    return _parse("case", build)


def status_change(item: Mapping[str, Any], mapping: StatusMapping) -> StatusChange:
    def build() -> StatusChange:
        raw = item["status"]
        canonical = mapping.try_canonical(raw)
        unmapped = None
        if canonical is None:
            try:
                mapping.to_canonical(raw)
            except LookupError as exc:
                unmapped = str(exc)
        return StatusChange(
            event_id=str(item["event_id"]),
            case_no=item.get("case_no"),
            reference=item.get("reference"),
            raw_status=raw,
            sub_status=item.get("sub_status"),
            status=canonical,
            occurred_at=item["occurred_at"],
            reason=item.get("reason"),
            unmapped=unmapped,
        )

    return _parse("status change", build)


_SUMMARY_FIELDS = set(SettlementSummary.model_fields)
_LINE_FIELDS = set(SettlementLine.model_fields)
_SETTLEMENT_FIELDS = {"settlement_id", "date", "currency", "payout_total"}


def settlement_summary(item: Mapping[str, Any]) -> SettlementSummary:
    return _parse(
        "settlement summary",
        lambda: SettlementSummary.model_validate({k: v for k, v in item.items() if k in _SUMMARY_FIELDS}),
    )


def settlement(item: Mapping[str, Any]) -> Settlement:
    def build() -> Settlement:
        lines = tuple(
            SettlementLine.model_validate({k: v for k, v in line.items() if k in _LINE_FIELDS})
            for line in item["lines"]
        )
        head = {k: v for k, v in item.items() if k in _SETTLEMENT_FIELDS}
        return Settlement.model_validate({**head, "lines": lines})

    return _parse("settlement", build)
