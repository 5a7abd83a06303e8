"""Reads from a partner: case lookups, the delta status feed and settlements.

Kept apart from the writes because these are what the gateway's pollers and webhook handlers
use ("something changed" → fetch the details), and because the writes use the lookups as
their probes after an uncertain failure.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Self
from urllib.parse import quote

import httpx

from workers.adapters.partner import wire
from workers.adapters.partner.auth import PartnerAuth
from workers.adapters.partner.errors import PartnerProtocolError, PartnerRequestError
from workers.adapters.partner.http import DEFAULT_TIMEOUT, PartnerHttp
from workers.adapters.partner.models import CaseDetails, Settlement, SettlementSummary, StatusChange
from workers.adapters.partner.retry import RetryPolicy
from workers.adapters.partner.status_mapping import StatusMapping


def reason_of(response: httpx.Response) -> str:
    """The partner's human reason from an error body (``reasons``, ``message`` or ``error``)."""
    try:
        body = wire.loads(response.content)
    except PartnerProtocolError:
        body = None
    if isinstance(body, dict):
        reasons = body.get("reasons")
        if isinstance(reasons, list) and reasons:
            return "; ".join(str(r) for r in reasons)
        for key in ("message", "error"):
            if body.get(key):
                return str(body[key])
    return f"HTTP {response.status_code}"


def case_path(case_no: str) -> str:
    return f"/cases/{quote(case_no, safe='')}"


def pick_case(cases: list[CaseDetails]) -> CaseDetails | None:
    """The case that counts for a reference: the first one not rejected, else the first."""
    for case in cases:
        if case.status != "rejected":
            return case
    return cases[0] if cases else None


class PartnerReader:
    def __init__(
        self,
        partner: str,
        base_url: str,
        auth: PartnerAuth,
        status_mapping: StatusMapping | None = None,
        *,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.partner = partner
        self._mapping = status_mapping or StatusMapping(partner=partner)
        self._http = PartnerHttp(
            base_url, auth, timeout=timeout, retry=retry, transport=transport, sleep=sleep
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def _unexpected(self, response: httpx.Response) -> PartnerRequestError:
        return PartnerRequestError(response.status_code, reason_of(response))

    def _body(self, response: httpx.Response) -> dict[str, Any]:
        body = wire.loads(response.content)
        if not isinstance(body, dict):
            raise PartnerProtocolError(f"expected a JSON object, HTTP {response.status_code}")
        return body

    async def find_cases(self, reference: str, *, attempts: int | None = None) -> list[CaseDetails]:
        """Every case the partner holds for our reference (more than one only if it doubled)."""
        response = await self._http.get("/cases", {"reference": reference}, attempts=attempts)
        if response.status_code != 200:
            raise self._unexpected(response)
        items = self._body(response).get("cases", [])
        return [wire.case_details(item, self._mapping) for item in items]

    async def case_details(
        self,
        *,
        case_no: str | None = None,
        reference: str | None = None,
        attempts: int | None = None,
    ) -> CaseDetails | None:
        if case_no:
            response = await self._http.get(case_path(case_no), attempts=attempts)
            if response.status_code == 404:
                return None
            if response.status_code != 200:
                raise self._unexpected(response)
            return wire.case_details(self._body(response), self._mapping)
        if reference:
            return pick_case(await self.find_cases(reference, attempts=attempts))
        raise ValueError("case_details needs case_no or reference")

    async def _pages(
        self, path: str, key: str, since: str | None, max_pages: int
    ) -> tuple[list[Any], str | None]:
        items: list[Any] = []
        cursor = since
        for _ in range(max_pages):
            response = await self._http.get(path, {"since": cursor} if cursor else None)
            if response.status_code != 200:
                raise self._unexpected(response)
            body = self._body(response)
            items.extend(body.get(key, []))
            cursor = body.get("next_cursor") or cursor
            if not body.get("has_more"):
                break
        return items, cursor

    async def status_changes(
        self, since: str | None = None, *, max_pages: int = 20
    ) -> tuple[list[StatusChange], str | None]:
        """Status events after cursor ``since``, and the cursor to store for next time."""
        items, cursor = await self._pages("/status-changes", "events", since, max_pages)
        return [wire.status_change(item, self._mapping) for item in items], cursor

    async def settlements(
        self, since: str | None = None, *, max_pages: int = 20
    ) -> tuple[list[SettlementSummary], str | None]:
        items, cursor = await self._pages("/settlements", "settlements", since, max_pages)
        return [wire.settlement_summary(item) for item in items], cursor

    async def settlement(self, settlement_id: str) -> Settlement | None:
        response = await self._http.get(f"/settlements/{quote(settlement_id, safe='')}")
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise self._unexpected(response)
        return wire.settlement(self._body(response))
