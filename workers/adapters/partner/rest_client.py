"""The partner gateway's REST client: every call our service makes to a collection partner.

Writes carry idempotency keys (our case id for a registration, the posting id for a payment
or credit, the command id for a close request), but we do not rely on the partner honouring
them: after an uncertain failure the client asks the partner what exists before re-sending
(once.py), so even a partner that deduplicates nothing never gets a second case. Business
refusals come back as results; only "try later" and "fix the configuration" raise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from workers.adapters.partner import wire
from workers.adapters.partner.errors import PartnerProtocolError
from workers.adapters.partner.models import (
    ActionResult,
    CaseDetails,
    CaseRegistration,
    RegistrationResult,
)
from workers.adapters.partner.once import Found, post_at_most_once
from workers.adapters.partner.reader import PartnerReader, case_path, pick_case, reason_of

_REFUSALS = (400, 404, 422)


def _from_existing(case: CaseDetails) -> RegistrationResult:
    if case.status == "rejected" or case.rejection_reason:
        return RegistrationResult(
            accepted=False, reason=case.rejection_reason or "rejected", already_existed=True
        )
    return RegistrationResult(accepted=True, case_no=case.case_no, already_existed=True)


class PartnerRestClient(PartnerReader):
    async def register_case(self, registration: CaseRegistration) -> RegistrationResult:
        """Hand a case over; a 409 for our reference is success, a 400/422 a rejection."""
        reference = registration.reference

        async def probe() -> CaseDetails | None:
            return pick_case(await self.find_cases(reference, attempts=1))

        outcome = await post_at_most_once(self._http, "/cases", wire.registration_body(registration), probe)
        if isinstance(outcome, Found):
            return _from_existing(outcome.value)
        status = outcome.status_code
        if status in (200, 201):
            case = wire.case_details(self._body(outcome), self._mapping)
            return RegistrationResult(accepted=True, case_no=case.case_no)
        if status == 409:
            body = self._body(outcome)
            if not isinstance(body.get("case"), dict):
                raise PartnerProtocolError("409 without the existing case")
            return _from_existing(wire.case_details(body["case"], self._mapping))
        if status in (400, 422):
            return RegistrationResult(accepted=False, reason=reason_of(outcome))
        raise self._unexpected(outcome)

    async def forward_payment(
        self,
        *,
        reference: str,
        kind: wire.PostingKind,
        amount: Decimal,
        posting_id: str,
        case_no: str | None = None,
        booking_date: dt.date | None = None,
    ) -> ActionResult:
        """Tell the partner about a direct payment or a credit note (``amount`` > 0)."""
        body = wire.posting_body(kind, amount, posting_id, booking_date)
        resource = "payments" if kind == "payment" else "credit-notes"

        async def probe() -> CaseDetails | None:
            for case in await self._cases_for(case_no, reference):
                postings = case.payments if kind == "payment" else case.credits
                if any(p.posting_id == posting_id for p in postings):
                    return case
            return None

        return await self._action(resource, body, reference, case_no, probe)

    async def request_close(
        self, *, reference: str, reason: str, request_id: str, case_no: str | None = None
    ) -> ActionResult:
        """Ask the partner to close the case; ``request_id`` (our command id) dedups it."""
        body = {"request_id": request_id, "reason": reason}

        async def probe() -> CaseDetails | None:
            for case in await self._cases_for(case_no, reference):
                if any(c.request_id == request_id for c in case.close_requests):
                    return case
            return None

        return await self._action("close-requests", body, reference, case_no, probe)

    async def _action(
        self,
        resource: str,
        body: dict[str, Any],
        reference: str,
        case_no: str | None,
        probe: Callable[[], Awaitable[CaseDetails | None]],
    ) -> ActionResult:
        if case_no:
            path = f"{case_path(case_no)}/{resource}"
        else:
            path, body = f"/{resource}", {**body, "reference": reference}
        outcome = await post_at_most_once(self._http, path, body, probe)
        if isinstance(outcome, Found):
            return ActionResult(accepted=True, already_existed=True, case_no=outcome.value.case_no)
        status = outcome.status_code
        if status in (200, 201):
            return ActionResult(accepted=True, case_no=case_no)
        if status == 409:
            return ActionResult(accepted=True, already_existed=True, case_no=case_no)
        if status in _REFUSALS:
            return ActionResult(accepted=False, reason=reason_of(outcome), case_no=case_no)
        raise self._unexpected(outcome)

    async def _cases_for(self, case_no: str | None, reference: str) -> list[CaseDetails]:
        if case_no:
            case = await self.case_details(case_no=case_no, attempts=1)
            return [case] if case else []
        return await self.find_cases(reference, attempts=1)
