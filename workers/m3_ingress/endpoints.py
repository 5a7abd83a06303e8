"""The three ways M3 reaches us over HTTP, and the one sequence every request goes through.

authenticate (401) → configuration loaded? (503) → bounded body (413) → JSON (400) →
validate or translate (422, or 202 "ignored") → publish and wait for the broker (503) → 202.
Nothing is produced for a refused request: every item is validated before the first send.
The answer lists the accepted event ids, so a sender (or a person with curl) can trace them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from contracts import Envelope, InvoiceOverdue, PostingBooked
from workers.adapters.m3 import M3AuthError, M3PermanentError, M3TransientError, parse_cms049_event
from workers.config_events.follower import LiveView
from workers.infra.health import WorkerHealth
from workers.infra.logs import get_logger
from workers.m3_ingress.auth import BearerToken, IngressNotConfigured
from workers.m3_ingress.canonical import CanonicalModel, canonical_payloads
from workers.m3_ingress.fsledg_mapping import Ignored, UnmappableRecord
from workers.m3_ingress.fsledg_reception import FsledgReception
from workers.m3_ingress.http_reception import Rejected, answer, objects_of, parse_json, read_body, unavailable
from workers.m3_ingress.messages import message_for
from workers.m3_ingress.publisher import NotAcknowledged, Publisher

log = get_logger(__name__)


@dataclass
class Reception:
    """What one request amounts to: messages to publish and rows deliberately not published."""

    messages: list[tuple[str, Envelope[Any]]] = field(default_factory=list)
    ignored: list[Ignored] = field(default_factory=list)


Handler = Callable[[Any], Awaitable[Reception]]


@dataclass
class Endpoints:
    token: BearerToken
    view: LiveView
    health: WorkerHealth
    publisher: Publisher
    reception: FsledgReception
    max_body_bytes: int

    async def overdue(self, request: web.Request) -> web.Response:
        return await self._receive(request, "overdue", lambda data: self._canonical(data, InvoiceOverdue))

    async def payments(self, request: web.Request) -> web.Response:
        return await self._receive(request, "payments", lambda data: self._canonical(data, PostingBooked))

    async def events(self, request: web.Request) -> web.Response:
        return await self._receive(request, "events", self._cms049)

    async def _receive(self, request: web.Request, endpoint: str, handle: Handler) -> web.Response:
        self.health.in_flight += 1
        try:
            reception = await self._accept(request, handle)
        except Rejected as refusal:
            self.health.count(f"ingress_{endpoint}_rejected")
            log.info("m3_ingress_rejected", endpoint=endpoint, status=refusal.status, reason=refusal.reason[:500])
            return refusal.answer()
        finally:
            self.health.in_flight -= 1
        self.health.count(f"ingress_{endpoint}_accepted")
        self.health.count(f"ingress_{endpoint}_messages", len(reception.messages))
        self.health.count(f"ingress_{endpoint}_ignored", len(reception.ignored))
        log.info("m3_ingress_accepted", endpoint=endpoint, messages=len(reception.messages),
                 cases=[e.case_id for _, e in reception.messages[:20]], ignored=len(reception.ignored))
        return answer(202, {
            "accepted": [{"event_id": str(e.event_id), "type": e.type, "case_id": e.case_id}
                         for _, e in reception.messages],
            "ignored": [{"case_id": i.case_id, "reason": i.reason} for i in reception.ignored],
        })

    async def _accept(self, request: web.Request, handle: Handler) -> Reception:
        refusal = self.token.refusal(request.headers.get("Authorization"))
        if refusal:
            raise Rejected(401, refusal)
        if not self.health.ready:
            raise unavailable("the ingress is starting: configuration not loaded yet")
        data = parse_json(await read_body(request, self.max_body_bytes))
        reception = await handle(data)
        try:
            await self.publisher.publish(reception.messages)
        except NotAcknowledged as error:
            raise unavailable(f"{error}; retry, the same request gives the same event ids") from None
        return reception

    async def _canonical(self, data: Any, model: CanonicalModel) -> Reception:
        configuration = self.view.configuration
        company = configuration.company if configuration else None
        payloads = canonical_payloads(objects_of(data), model, company, listed=isinstance(data, list))
        return Reception(messages=[message_for(p) for p in payloads])

    async def _cms049(self, data: Any) -> Reception:
        configuration = self.view.configuration
        if configuration is None:
            raise unavailable("no configuration has been applied: the reminder rules are needed")
        reception = Reception()
        for index, item in enumerate(objects_of(data)):
            where = f"[{index}] " if isinstance(data, list) else ""
            try:
                record = parse_cms049_event(item).record
                translated = await self.reception.translate(record, configuration)
            except (ValueError, M3PermanentError, M3TransientError, IngressNotConfigured) as error:
                raise _refusal(where, error) from None
            if isinstance(translated, Ignored):
                reception.ignored.append(translated)
            else:
                reception.messages.append(message_for(translated))
        return reception


def _refusal(where: str, error: Exception) -> Rejected:
    if isinstance(error, IngressNotConfigured):
        return unavailable(f"{where}{error}")
    if isinstance(error, (M3TransientError, M3AuthError)):
        return unavailable(f"{where}M3 could not be asked for the customer: {error}")
    if isinstance(error, M3PermanentError):
        return Rejected(422, f"{where}M3 does not know the customer (CRS610MI): {error}")
    kind = "unusable FSLEDG row" if isinstance(error, UnmappableRecord) else "not a CMS049 FSLEDG event"
    return Rejected(422, f"{where}{kind}: {error}")
