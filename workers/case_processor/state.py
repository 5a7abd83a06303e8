"""What the case processor remembers per invoice (one row of the `cases` table, stored as JSON).

Everything a decision needs and nothing more. The invoice snapshot with the debtor's contact
data is kept only while an invoice waits (deferred) and dropped at hand-over, so the table's
changelog does not become a second home for personal data.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from workers.domain.case_status import CaseStatusState

Phase = Literal["new", "deferred", "skipped", "active", "rejected", "closed"]


class Deferral(BaseModel):
    model_config = ConfigDict(frozen=True)

    rule: str
    until: date | None
    waits_for: Literal["date", "unpause"]


class CaseState(BaseModel):
    """A case's memory; `processed` holds the ids of every input already applied."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    phase: Phase = "new"
    partner: str | None = None
    case_no: str | None = None
    customer: str | None = None
    currency: str | None = None
    kid: str | None = None
    open_amount: Decimal | None = None
    code: int = 0
    status: str | None = None
    status_time: datetime | None = None
    raw_status: str | None = None
    sub_status: str | None = None
    seen_statuses: tuple[tuple[str, datetime], ...] = ()
    deferral: Deferral | None = None
    waiting_invoice: dict[str, Any] | None = None
    held_postings: tuple[dict[str, Any], ...] = ()
    posting_ids: tuple[str, ...] = ()
    close_requested: bool = False
    settlement_lines: tuple[str, ...] = ()
    unposted_journals: dict[str, dict[str, Any]] = {}
    """Accepted settlement lines' journals by settlement id, until M3 confirms the statement."""
    processed: tuple[str, ...] = Field(default=())

    @property
    def history(self) -> Literal["none", "active", "closed", "rejected"]:
        return {"active": "active", "closed": "closed", "rejected": "rejected"}.get(self.phase, "none")  # type: ignore[return-value]

    @property
    def has_case(self) -> bool:
        return self.phase in ("active", "closed")

    @property
    def awaiting_settlement(self) -> bool:
        """Closed settled while M3 still shows money open: the settlement has not come yet."""
        return self.code == 9 and (self.open_amount or Decimal(0)) > 0

    def status_state(self) -> CaseStatusState:
        return CaseStatusState(
            code=self.code, status=self.status, partner_time=self.status_time,  # type: ignore[arg-type]
            raw_status=self.raw_status, sub_status=self.sub_status, seen=frozenset(self.seen_statuses),
        )

    def with_status(self, status: CaseStatusState) -> CaseState:
        return self.model_copy(update={
            "code": int(status.code), "status": status.status, "status_time": status.partner_time,
            "raw_status": status.raw_status, "sub_status": status.sub_status,
            "seen_statuses": tuple(sorted(status.seen, key=lambda s: (s[1], s[0]))),
        })

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> CaseState:
        return cls.model_validate_json(raw)
