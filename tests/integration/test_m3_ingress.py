"""The M3 ingress worker on the real broker, fed by the M3 sandbox over real HTTP.

Canonical posts are answered 202 only once the message is on the topic; refusals produce
nothing. The sandbox's CMS049 events become `ledger.invoice_overdue` (debtor from CRS610) and
`m3.posting_booked`, and the ARS200MI poller produces the very same overdue message.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import structlog
import yaml
from pydantic import SecretStr

from sandbox.m3 import SandboxState, base_url, start, write_ionapi
from workers.config_events.store import apply_configuration
from workers.infra.settings import REPO_ROOT, Settings, load_settings
from workers.infra.topic_io import read_to_end
from workers.m3_ingress.app import build

pytestmark = pytest.mark.integration

TOKEN = "ingress-integration-token"
CONFIG = yaml.safe_load((REPO_ROOT / "examples" / "config.yaml").read_text())
MAX_BODY = 4096
ADDRESS = {"line1": "Storgata 1", "postcode": "0155", "city": "Oslo", "country": "NO"}
M3_DATA = {
    "reset": True, "company": "100",
    "customers": [
        {"customer": "100002", "name": "Kunde AS", "org_no": "923609016", "private": False, "address": ADDRESS,
         "email": "post@kunde.example", "reminder_rule": "CR1", "collection_blocked": False},
        {"customer": "200001", "name": "Ola Nordmann", "national_id": "01017012345", "private": True,
         "address": {**ADDRESS, "line1": "Bakken 3"}, "reminder_rule": "CR1", "collection_blocked": False},
    ],
    "invoices": [
        {"division": "001", "customer": "100002", "invoice": "252005046", "year": 2025, "invoice_date": "2025-12-10",
         "due_date": "2025-12-24", "amount": "4046.00", "currency": "NOK", "kid": "2520050465"},
        {"division": "001", "customer": "200001", "invoice": "252005050", "year": 2025, "invoice_date": "2025-12-12",
         "due_date": "2025-12-26", "amount": "990.00", "currency": "NOK"},
    ],
}
CASE = "100/001/252005046/2025"


@pytest.fixture(autouse=True)
def default_structlog() -> None:
    structlog.reset_defaults()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def overdue_payload(**changes: Any) -> dict[str, Any]:
    return {
        "company": "100", "division": "001", "invoice": "252005099", "year": 2025, "customer": "100002",
        "invoice_date": "2025-12-10", "due_date": "2025-12-24", "amount": "4046.00", "open_amount": "4046.00",
        "currency": "NOK", "reminder_rule": "CR1", "reminders_sent": 2, "last_reminder_date": "2026-01-21",
        "debtor": {"name": "Kunde AS", "org_no": "923609016", "private": False, "address": ADDRESS,
                   "collection_blocked": False},
        **changes,
    }


@dataclass
class Ingress:
    settings: Settings
    app: Any
    url: str
    http: httpx.AsyncClient
    m3_url: str = ""

    async def post(self, path: str, body: Any = None, *, token: str | None = TOKEN, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return await self.http.post(f"{self.url}{path}", json=body, headers=headers, **kwargs)

    async def sandbox(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = await self.http.post(f"{self.m3_url}/_sandbox/{path}", json=body)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def envelopes(self, topic: str) -> list[Any]:
        return [record.envelope(topic) for record in read_to_end(self.settings, topic)]

    def keys(self, topic: str) -> list[bytes | None]:
        return [record.key for record in read_to_end(self.settings, topic)]


async def started(settings: Settings, http: httpx.AsyncClient) -> tuple[Any, str]:
    port = free_port()
    app = build(settings, web_port=port)
    app.finalize()
    await app.start()
    url = f"http://127.0.0.1:{port}"
    deadline = asyncio.get_running_loop().time() + 20
    while (await http.get(f"{url}/health")).status_code != 200:
        assert asyncio.get_running_loop().time() < deadline, "ingress did not become ready"
        await asyncio.sleep(0.1)
    return app, url


def settings_for(kafka_settings: Settings, **overrides: Any) -> Settings:
    settings = load_settings(profile="test", topic_prefix=kafka_settings.topic_prefix, data_dir=kafka_settings.data_dir,
                             m3_ingress_token=SecretStr(TOKEN), ingress_max_body_bytes=MAX_BODY, **overrides)
    apply_configuration(settings, CONFIG, actor="test")
    return settings


@pytest.fixture
async def canonical_ingress(kafka_settings: Settings) -> AsyncIterator[Ingress]:
    settings = settings_for(kafka_settings)
    async with httpx.AsyncClient(timeout=10.0) as http:
        app, url = await started(settings, http)
        try:
            yield Ingress(settings, app, url, http)
        finally:
            await app.stop()


@pytest.fixture
async def m3_ingress(kafka_settings: Settings, tmp_path: Path) -> AsyncIterator[Ingress]:
    """The ingress with its poller on, pointed at the sandbox; the sandbox posts events to it."""
    state = SandboxState(fast=True, seed=7)
    runner = await start(0, state)
    ionapi = write_ionapi(tmp_path / "sandbox.ionapi", state.tenant, base_url(runner))
    settings = settings_for(kafka_settings, m3_ionapi_file=ionapi, m3_poll_interval_s=0.3, m3_poll_divisions="001")
    try:
        async with httpx.AsyncClient(timeout=10.0) as http:
            env = Ingress(settings, None, "", http, base_url(runner))
            await env.sandbox("load", M3_DATA)
            env.app, env.url = await started(settings, http)
            try:
                await env.sandbox("ingress", {"url": f"{env.url}/ingress/m3/events", "token": TOKEN})
                yield env
            finally:
                await env.app.stop()
    finally:
        await runner.cleanup()


async def test_canonical_overdue_is_acknowledged_only_once_on_the_topic(canonical_ingress: Ingress) -> None:
    ingress = canonical_ingress
    accepted = await ingress.post("/ingress/m3/overdue", overdue_payload())
    assert accepted.status_code == 202, accepted.text
    [receipt] = accepted.json()["accepted"]
    [on_topic] = ingress.envelopes("ledger.overdue")
    assert str(on_topic.event_id) == receipt["event_id"] and on_topic.case_id == "100/001/252005099/2025"
    assert ingress.keys("ledger.overdue") == [b"100/001/252005099/2025"]

    again = await ingress.post("/ingress/m3/overdue", [overdue_payload()])
    assert again.json()["accepted"][0]["event_id"] == receipt["event_id"]

    without_company = overdue_payload(invoice="252005100")
    del without_company["company"]
    payment = {"division": "001", "invoice": "252005099", "year": 2025, "kind": "payment", "amount": "100.00",
               "function": "AB10-001", "booking_date": "2026-03-01", "open_amount_after": "3946.00",
               "currency": "NOK", "posting_id": "001/2026/42/1"}
    assert (await ingress.post("/ingress/m3/overdue", without_company)).status_code == 202
    assert (await ingress.post("/ingress/m3/payments", payment)).status_code == 202
    [posting] = ingress.envelopes("m3.payments")
    assert posting.payload.company == "100" and posting.payload.open_amount_after == Decimal("3946.00")


async def test_refused_requests_produce_nothing(canonical_ingress: Ingress) -> None:
    ingress = canonical_ingress
    missing = await ingress.post("/ingress/m3/overdue", overdue_payload(), token=None)
    wrong = await ingress.post("/ingress/m3/overdue", overdue_payload(), token="guess")
    assert (missing.status_code, wrong.status_code) == (401, 401)
    assert "missing Authorization" in missing.json()["error"] and wrong.json()["error"] == "invalid bearer token"
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")

    huge = overdue_payload(kid="7" * MAX_BODY)
    assert (await ingress.post("/ingress/m3/overdue", huge)).status_code == 413

    async def chunked() -> AsyncIterator[bytes]:
        for _ in range(8):
            yield b" " * 1024
    sneaky = await ingress.http.post(f"{ingress.url}/ingress/m3/overdue", content=chunked(),
                                     headers={"Authorization": f"Bearer {TOKEN}"})
    assert sneaky.status_code == 413 and "limit" in sneaky.json()["error"]

    broken = await ingress.post("/ingress/m3/overdue", content=b'{"company": "100",', token=TOKEN)
    assert broken.status_code == 400 and "invalid JSON" in broken.json()["error"]
    bad = await ingress.post("/ingress/m3/overdue", [overdue_payload(), overdue_payload(open_amount=4046.5)])
    assert bad.status_code == 422 and "[1] open_amount" in bad.json()["error"]
    unknown = await ingress.post("/ingress/m3/events", {"document": "OCUSMA", "fields": {"OKCUNO": "1"}})
    assert unknown.status_code == 422 and "FSLEDG" in unknown.json()["error"]

    assert ingress.envelopes("ledger.overdue") == [] and ingress.envelopes("m3.payments") == []
    metrics = (await ingress.http.get(f"{ingress.url}/metrics")).text
    assert 'dcs_ingress_overdue_rejected_total{worker="m3_ingress"} 6' in metrics


async def passes(ingress: Ingress, more_than: int) -> None:
    deadline = asyncio.get_running_loop().time() + 15
    while ingress.app.ingress_health.counters["m3_poll_passes"] <= more_than:
        assert asyncio.get_running_loop().time() < deadline, "the poller did not run"
        await asyncio.sleep(0.1)


async def test_cms049_events_and_the_poller_give_the_same_messages(m3_ingress: Ingress) -> None:
    ingress = m3_ingress
    invoice = {"division": "001", "invoice": "252005046", "year": 2025}
    early = await ingress.sandbox("overdue", {**invoice, "reminders": 1, "last_reminder": "2026-01-07"})
    assert early["delivery"] == "delivered"
    await passes(ingress, ingress.app.ingress_health.counters["m3_poll_passes"] + 1)
    assert ingress.envelopes("ledger.overdue") == []

    ripe = await ingress.sandbox("overdue", {**invoice, "reminders": 2, "last_reminder": "2026-01-21"})
    assert ripe["delivery"] == "delivered"
    await passes(ingress, ingress.app.ingress_health.counters["m3_poll_passes"] + 1)
    from_event, from_poll = ingress.envelopes("ledger.overdue")
    assert from_event.event_id == from_poll.event_id and from_event.case_id == CASE
    assert from_event.model_dump(exclude={"recorded_at"}) == from_poll.model_dump(exclude={"recorded_at"})
    overdue = from_event.payload
    assert (overdue.reminders_sent, str(overdue.last_reminder_date), overdue.reminder_rule) == (2, "2026-01-21", "CR1")
    assert overdue.debtor.name == "Kunde AS" and overdue.debtor.org_no == "923609016"
    assert overdue.debtor.email == "post@kunde.example" and overdue.debtor.address.line1 == "Storgata 1"
    assert ingress.keys("ledger.overdue") == [CASE.encode(), CASE.encode()]

    private = await ingress.sandbox("overdue", {"division": "001", "invoice": "252005050", "year": 2025,
                                                "reminders": 2, "last_reminder": "2026-01-23"})
    assert private["delivery"] == "delivered"
    paid = await ingress.sandbox("postings", {**invoice, "kind": "payment", "amount": "100.00",
                                              "function": "AB10-001", "date": "2026-03-01"})
    credit = await ingress.sandbox("postings", {**invoice, "kind": "credit", "amount": "46.00",
                                                "function": "AR10-100", "date": "2026-03-02"})
    assert paid["delivery"] == credit["delivery"] == "delivered"
    payment, credit_note = ingress.envelopes("m3.payments")
    assert (payment.payload.kind, str(payment.payload.amount), str(payment.payload.open_amount_after),
            payment.payload.function) == ("payment", "100.00", "3946.00", "AB10-001")
    assert (credit_note.payload.kind, str(credit_note.payload.open_amount_after)) == ("credit", "3900.00")
    assert payment.case_id == CASE and payment.payload.posting_id != credit_note.payload.posting_id

    await passes(ingress, ingress.app.ingress_health.counters["m3_poll_passes"] + 1)
    by_case: dict[str, list[Any]] = {}
    for envelope in ingress.envelopes("ledger.overdue"):
        by_case.setdefault(envelope.case_id, []).append(envelope)
    assert len(by_case[CASE]) == 2, "the poller publishes an invoice once per reminder stage"
    person = by_case["100/001/252005050/2025"][0].payload.debtor
    assert person.private and person.national_id == "01017012345" and person.org_no is None
