"""One partner's ledger: claims, the status feed and settlements, with the partner's rules.

Every change a real partner would announce (receipt, rejection, status, settlement) appends to
the delta feed and fires a "something changed" notification. In naive mode nothing is
deduplicated (a second registration of a reference is a second claim, a repeated posting id a
second payment), so any double our service causes is visible in the sandbox state.
"""

from __future__ import annotations

import datetime as dt
import uuid
import zlib
from collections.abc import Callable
from typing import Any

from sandbox.partner.feed import Settlement, StatusEvent
from sandbox.partner.records import REGISTERED, Claim, CloseRequest, HistoryEntry, Posting
from sandbox.partner.vocabulary import RAW_BY_CANONICAL


class NotFound(LookupError):
    pass


class Conflict(Exception):
    """409: the thing exists already (``existing`` is its API view)."""

    def __init__(self, message: str, existing: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.existing = existing


class Refused(Exception):
    """422: the partner will not do this (closed case, rejected claim, wrong sign …)."""


class PartnerBook:
    def __init__(
        self,
        partner: str,
        clock: Callable[[], dt.datetime],
        notify: Callable[[dict[str, Any]], None],
    ) -> None:
        self.partner = partner
        self._clock = clock
        self._notify = notify
        self.claims: list[Claim] = []
        self._by_reference: dict[str, list[Claim]] = {}
        self._by_case_no: dict[str, Claim] = {}
        self.events: list[StatusEvent] = []
        self.settlements: list[Settlement] = []
        self._case_no_base = 10_000_000 + (zlib.crc32(partner.encode()) % 900) * 10_000
        self._issued_case_nos = 0

    # -- lookups -------------------------------------------------------------------------

    def by_reference(self, reference: str) -> list[Claim]:
        return list(self._by_reference.get(reference, ()))

    def by_case_no(self, case_no: str) -> Claim | None:
        return self._by_case_no.get(case_no)

    def resolve(self, *, case_no: str | None = None, reference: str | None = None) -> Claim:
        if case_no:
            claim = self.by_case_no(case_no)
        else:
            claims = self.by_reference(reference or "")
            claim = next((c for c in claims if not c.rejected), claims[0] if claims else None)
        if claim is None:
            raise NotFound(f"no case {case_no or reference!r}")
        return claim

    def held(self) -> list[Claim]:
        return [c for c in self.claims if not c.rejected]

    def next_case_no(self) -> str:
        self._issued_case_nos += 1
        return str(self._case_no_base + self._issued_case_nos)

    # -- what the creditor (our service) does ---------------------------------------------

    def register(self, registration: dict[str, Any], *, naive: bool) -> tuple[Claim, bool]:
        reference = registration["reference"]
        existing = self.by_reference(reference)
        if existing and not naive:
            return existing[0], False
        now = self._clock()
        claim = Claim(
            id=f"{self.partner[:3]}-{len(self.claims) + 1:06d}",
            reference=reference,
            registration=registration,
            registered_at=now,
        )
        claim.history.append(HistoryEntry(REGISTERED, None, now, now))
        self.claims.append(claim)
        self._by_reference.setdefault(claim.reference, []).append(claim)
        return claim, True

    def add_posting(self, claim: Claim, kind: str, posting: Posting, *, naive: bool) -> tuple[Posting, bool]:
        if claim.rejected or claim.closed:
            raise Refused(f"case {claim.case_no or claim.reference} is closed or rejected")
        if kind == "payment" and posting.amount <= 0:
            raise Refused("amount: a direct payment must be positive")
        if kind == "credit" and posting.amount >= 0:
            raise Refused('amount: a credit note must be negative, e.g. "-50.00"')
        target = claim.payments if kind == "payment" else claim.credit_notes
        if not naive and posting.posting_id:
            for known in target:
                if known.posting_id == posting.posting_id:
                    return known, False
        target.append(posting)
        return posting, True

    def add_close_request(
        self, claim: Claim, request: CloseRequest, *, naive: bool
    ) -> tuple[CloseRequest, bool]:
        if claim.rejected:
            raise Refused(f"case {claim.reference} was rejected")
        if not naive and request.request_id:
            for known in claim.close_requests:
                if known.request_id == request.request_id:
                    return known, False
        claim.close_requests.append(request)
        return request, True

    # -- what the partner does -----------------------------------------------------------

    def _record(
        self, claim: Claim, raw: str, sub: str | None, at: dt.datetime | None, reason: str | None = None
    ) -> StatusEvent:
        now = self._clock()
        occurred = at or now
        claim.history.append(HistoryEntry(raw, sub, occurred, now))
        event = StatusEvent(
            seq=len(self.events) + 1,
            event_id=str(uuid.uuid4()),
            case_no=claim.case_no,
            reference=claim.reference,
            raw_status=raw,
            sub_status=sub,
            occurred_at=occurred,
            recorded_at=now,
            reason=reason,
        )
        self.events.append(event)
        self._notify(
            {
                "type": "case.updated",
                "case_no": claim.case_no,
                "reference": claim.reference,
                "occurred_at": occurred.isoformat(),
            }
        )
        return event

    def assign_case_no(self, claim: Claim, case_no: str, at: dt.datetime | None = None) -> StatusEvent:
        other = self.by_case_no(case_no)
        if other is not None and other is not claim:
            raise Conflict(f"case number {case_no} belongs to {other.reference}")
        if claim.case_no not in (None, case_no):
            raise Conflict(f"{claim.reference} already has case number {claim.case_no}")
        claim.case_no = case_no
        self._by_case_no.setdefault(case_no, claim)
        return self._record(claim, RAW_BY_CANONICAL["acknowledged"], None, at)

    def reject(self, claim: Claim, reason: str, at: dt.datetime | None = None) -> StatusEvent:
        claim.rejection_reason = reason
        return self._record(claim, RAW_BY_CANONICAL["rejected"], None, at, reason=reason)

    def set_status(
        self, claim: Claim, raw: str, sub: str | None = None, at: dt.datetime | None = None
    ) -> StatusEvent:
        return self._record(claim, raw, sub, at)

    def add_settlement(
        self, settlement_id: str, date: dt.date, currency: str, lines: list[dict[str, Any]], *, naive: bool
    ) -> Settlement:
        known = next((s for s in self.settlements if s.settlement_id == settlement_id), None)
        if known is not None and not naive:
            raise Conflict(f"settlement {settlement_id} exists", known.to_api())
        for line in lines:
            claim = self.by_case_no(line["case_no"])
            line.setdefault("reference", claim.reference if claim else None)
            line.setdefault("currency", currency)
        settlement = Settlement(
            len(self.settlements) + 1, settlement_id, date, currency, lines, self._clock()
        )
        self.settlements.append(settlement)
        self._notify(
            {
                "type": "settlement.available",
                "settlement_id": settlement_id,
                "occurred_at": settlement.created_at.isoformat(),
            }
        )
        return settlement

    def latest_settlement(self, settlement_id: str) -> Settlement | None:
        found = [s for s in self.settlements if s.settlement_id == settlement_id]
        return found[-1] if found else None
