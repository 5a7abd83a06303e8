"""The partner gateway in-process on the real broker, against the partner sandbox over real HTTP.

Commands go onto `partner.commands` with kafka-python; the sandbox (scripted, naive: it does
only what the admin endpoints say and deduplicates nothing) sends signed webhooks to the
gateway's web port; the tests read the sandbox's state and the answers on `partner.case-status`.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest
import structlog
import yaml

from contracts import Envelope, decode, new_message
from sandbox.partner import ModeSettings, PartnerSandbox
from sandbox.partner.credentials import load_or_create
from workers.adapters.partner import RetryPolicy, sign
from workers.config_events.store import apply_configuration
from workers.infra.settings import REPO_ROOT, Settings
from workers.infra.topic_io import publish, publish_raw, read_to_end
from workers.partner_gateway.app import build
from workers.partner_gateway.options import GatewayOptions

pytestmark = pytest.mark.integration

CONFIG = yaml.safe_load((REPO_ROOT / "examples" / "config.yaml").read_text())
CONFIG["partners"]["SVEA"] = {"name": "Svea Finans", "transport": "rest", "reminder_rules": ["CR1"],
                              "min_days_overdue": 14, "min_amount": "30.00"}
CONFIG["divisions"]["002"] = {"name": "Test Firma 2 AS", "partner": "SVEA", "partner_customer_no": "S-1001",
                              "country": "NO", "currency": "NOK", "vat_rate": "25"}
FAST = GatewayOptions(
    http_timeout_s=0.75, connect_timeout_s=0.5,
    call_retry=RetryPolicy(max_attempts=4, base_delay_s=0.05, max_delay_s=0.2),
    command_retry=RetryPolicy(base_delay_s=0.1, max_delay_s=0.5),
    pull_wait_s=10.0,
)


@pytest.fixture(autouse=True)
def default_structlog() -> None:
    """Another test may leave structlog printing to a stream pytest has closed since."""
    structlog.reset_defaults()


def case_id(invoice: str, division: str = "001") -> str:
    return f"100/{division}/{invoice}/2025"


def register(invoice: str, partner: str = "INTRUM", division: str = "001") -> Envelope:
    payload = {
        "partner": partner, "our_reference": case_id(invoice, division), "partner_customer_no": "K84307",
        "customer": "100002", "invoice": invoice, "invoice_date": date(2025, 12, 10), "due_date": date(2025, 12, 24),
        "original_amount": "4046.00", "open_amount": "4046.00", "currency": "NOK", "kid": "2520050465",
        "reminders_sent": 2, "last_reminder_date": date(2026, 1, 21),
        "debtor": {"name": "Kunde AS", "org_no": "923609016", "private": False, "collection_blocked": False,
                   "address": {"line1": "Storgata 1", "postcode": "0155", "city": "Oslo", "country": "NO"}},
    }
    return new_message("partner.register_case", payload, source="test")


def forward(invoice: str, kind: str, amount: str, posting: str, *, partner: str = "INTRUM",
            case_no: str | None = None, division: str = "001") -> Envelope:
    return new_message("partner.forward_payment", {
        "partner": partner, "our_reference": case_id(invoice, division), "case_no": case_no, "kind": kind,
        "amount": amount, "posting_id": posting, "booking_date": date(2026, 3, 1)}, source="test")


def close(invoice: str, reason: str, *, partner: str = "INTRUM", division: str = "001") -> Envelope:
    return new_message("partner.request_close", {"partner": partner, "our_reference": case_id(invoice, division),
                                                 "reason": reason}, source="test")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def eventually(probe: Callable[[], Any], timeout: float = 30.0, interval: float = 0.25) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(interval)


@dataclass
class Harness:
    settings: Settings
    sandbox: PartnerSandbox
    app: Any
    port: int
    secrets: dict[str, Any]
    http: httpx.AsyncClient

    @property
    def health(self) -> Any:
        return self.app.gateway_health

    async def send(self, *commands: Envelope) -> None:
        await asyncio.to_thread(publish, self.settings, [("partner.commands", c) for c in commands])

    async def send_raw(self, key: bytes, value: bytes) -> None:
        await asyncio.to_thread(publish_raw, self.settings, "partner.commands", key, value)

    async def read(self, topic: str) -> list[Envelope]:
        records = await asyncio.to_thread(lambda: list(read_to_end(self.settings, topic)))
        return [decode(topic, record.value) for record in records]

    async def answers(self, case: str, count: int, timeout: float = 30.0) -> list[Envelope]:
        """The first ``count`` answers about ``case`` (in order: one case, one partition)."""
        return await eventually(lambda: self._at_least("partner.case-status", count, case), timeout)

    async def _at_least(self, topic: str, count: int, case: str | None = None) -> list[Envelope] | None:
        found = [m for m in await self.read(topic) if case is None or m.case_id == case]
        return found[:count] if len(found) >= count else None

    async def admin(self, partner: str, action: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.http.post(f"{self.sandbox.url}/_sandbox/{partner}/{action}", json=body)
        assert response.status_code == 200, response.text
        return response.json()

    async def mode(self, **body: Any) -> None:
        response = await self.http.post(f"{self.sandbox.url}/_sandbox/mode", json=body)
        assert response.status_code == 200, response.text

    def cases(self, partner: str = "INTRUM") -> list[dict[str, Any]]:
        return self.sandbox.state.view()["partners"][partner]["cases"]

    def case(self, reference: str, partner: str = "INTRUM") -> dict[str, Any] | None:
        found = [c for c in self.cases(partner) if c["reference"] == reference]
        assert len(found) <= 1, f"{len(found)} cases for {reference}"
        return found[0] if found else None

    async def quiet(self, timeout: float = 30.0) -> None:
        def idle() -> bool:
            return (self.health.in_flight == 0 and self.health.retrying == 0
                    and self.sandbox.state.webhooks.pending == 0)
        await eventually(idle, timeout, interval=0.1)

    async def restart(self) -> None:
        """A new instance with memory tables: what it knows must come back from the changelogs."""
        await self.app.stop()
        self.app = build(self.settings, web_port=self.port, in_memory_tables=True, options=FAST)
        self.app.finalize()
        await self.app.start()
        await eventually(lambda: self.health.ready, 60)

    async def webhook(self, partner: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
        url = f"http://127.0.0.1:{self.port}/webhooks/partners/{partner}"
        return await self.http.post(url, content=body, headers={"Content-Type": "application/json", **headers})


@asynccontextmanager
async def gateway(kafka_settings: Settings, tmp_path: Any, mode: ModeSettings, *,
                  webhooks: bool = True, poll_s: float = 0.0) -> AsyncIterator[Harness]:
    port = _free_port()
    secrets_file = tmp_path / "partner-secrets.json"
    secrets = load_or_create(secrets_file, ["INTRUM", "SVEA"])
    hook = f"http://127.0.0.1:{port}/webhooks/partners/{{partner}}" if webhooks else None
    sandbox = PartnerSandbox(secrets, webhook_url=hook, mode=mode)
    await sandbox.start()
    settings = kafka_settings.model_copy(update={
        "partner_urls": f"INTRUM={sandbox.api_url('INTRUM')},SVEA={sandbox.api_url('SVEA')}",
        "partner_secrets_file": secrets_file, "partner_poll_interval_s": poll_s})
    await asyncio.to_thread(apply_configuration, settings, CONFIG, "test")
    app = build(settings, web_port=port, options=FAST)
    app.finalize()
    await app.start()
    harness = None
    try:
        async with httpx.AsyncClient(timeout=15.0) as http:
            harness = Harness(settings, sandbox, app, port, secrets, http)
            await eventually(lambda: harness.health.ready, 60)
            yield harness
    finally:
        await (harness.app if harness else app).stop()
        await sandbox.stop()


SCRIPTED = ModeSettings(mode="scripted", naive=True, fast=True, seed=11)


async def test_registration_receipt_rejection_and_postings(kafka_settings, tmp_path):
    async with gateway(kafka_settings, tmp_path, SCRIPTED) as gw:
        a, b = case_id("252005046"), case_id("252005047")
        await gw.send_raw(a.encode(), b'{"type": "partner.register_case", "payload": ')
        await gw.send(register("252005046"))
        await eventually(lambda: gw.case(a))
        letters = await eventually(lambda: gw._at_least("partner.commands.dlq", 1))
        assert "invalid JSON" in letters[0].payload.error
        await gw.quiet()
        assert gw.case(a)["case_no"] is None and len(gw.cases()) == 1
        assert await gw.read("partner.case-status") == []

        await gw.admin("INTRUM", "receipt", {"reference": a, "case_no": "13563917"})
        receipt, status = await gw.answers(a, 2)
        assert receipt.type == "partner.registration_accepted" and receipt.case_id == a
        assert (receipt.payload.case_no, receipt.payload.our_reference) == ("13563917", a)
        assert status.type == "partner.status_changed" and status.case_id == a
        assert (status.payload.status, status.payload.raw_status) == ("acknowledged", "MOTTATT")

        await gw.send(register("252005047"))
        await eventually(lambda: gw.case(b))
        await gw.admin("INTRUM", "rejection", {"reference": b, "reason": "debtor is under debt settlement"})
        (rejected,) = await gw.answers(b, 1)
        assert rejected.type == "partner.registration_rejected" and rejected.case_id == b
        assert rejected.payload.reason == "debtor is under debt settlement"

        await gw.send(forward("252005046", "payment", "100.00", "P-1", case_no="13563917"),
                      forward("252005046", "credit", "50.00", "C-1"), close("252005046", "paid in full"))
        await eventually(lambda: gw.case(a)["close_requests"])
        await gw.quiet()
        case = gw.case(a)
        assert (case["direct_payments"], case["credits"], case["close_requests"]) == (["100.00"], ["50.00"],
                                                                                     ["paid in full"])

        await gw.admin("INTRUM", "status", {"case_no": "13563917", "status": "collection", "sub_status": "BO"})
        collection = (await gw.answers(a, 3))[2]
        assert (collection.payload.status, collection.payload.raw_sub_status) == ("collection", "BO")

        await gw.send(register("252005048", partner="KREDINOR"))
        (unknown,) = await gw.answers(case_id("252005048"), 1)
        assert unknown.type == "partner.registration_rejected" and "unknown partner" in unknown.payload.reason


async def test_webhooks_are_verified_and_deduplicated(kafka_settings, tmp_path):
    async with gateway(kafka_settings, tmp_path, SCRIPTED, webhooks=False) as gw:
        a = case_id("252005046")
        await gw.send(register("252005046"))
        await eventually(lambda: gw.case(a))
        await gw.admin("INTRUM", "receipt", {"reference": a, "case_no": "13563917"})
        secret = gw.secrets["INTRUM"].webhook_secret

        def note(message_id: str) -> bytes:
            return json.dumps({"message_id": message_id, "partner": "INTRUM", "type": "case.updated",
                               "case_no": "13563917", "reference": a}, sort_keys=True).encode()

        now = int(time.time())
        body = note("m-1")
        refusals = [
            ("INTRUM", body, {"X-Signature": sign("not-the-secret", body, now)}, 401, "signature mismatch"),
            ("INTRUM", body, {}, 401, "missing X-Signature header"),
            ("INTRUM", note("m-2"), {"X-Signature": sign(secret, body, now)}, 401, "signature mismatch"),
            ("INTRUM", body, {"X-Signature": sign(secret, body, now - 3600)}, 401, "signature timestamp too old"),
            ("NOPE", body, {"X-Signature": sign(secret, body, now)}, 404, "unknown partner"),
        ]
        for partner, sent, headers, status, reason in refusals:
            response = await gw.webhook(partner, sent, headers)
            assert response.status_code == status and reason in response.json()["error"], response.text
        await gw.quiet()
        assert await gw.read("partner.case-status") == []

        response = await gw.webhook("INTRUM", body, {"X-Signature": sign(secret, body, int(time.time()))})
        assert response.status_code == 200 and response.json() == {"published": 2}
        assert [m.type for m in await gw.read("partner.case-status")] == [
            "partner.registration_accepted", "partner.status_changed"]

        await gw.admin("INTRUM", "status", {"case_no": "13563917", "status": "collection"})
        again = await gw.webhook("INTRUM", body, {"X-Signature": sign(secret, body, int(time.time()))})
        assert again.status_code == 200 and again.json() == {"duplicate": True}
        await gw.quiet()
        assert len(await gw.read("partner.case-status")) == 2

        fresh = note("m-3")
        response = await gw.webhook("INTRUM", fresh, {"X-Signature": sign(secret, fresh, int(time.time()))})
        assert response.status_code == 200 and response.json() == {"published": 1}
        assert (await gw.read("partner.case-status"))[2].payload.status == "collection"

        await gw.restart()
        await gw.admin("INTRUM", "status", {"case_no": "13563917", "status": "dispute"})
        later = note("m-4")
        response = await gw.webhook("INTRUM", later, {"X-Signature": sign(secret, later, int(time.time()))})
        assert response.status_code == 200 and response.json() == {"published": 1}
        assert (await gw.read("partner.case-status"))[-1].payload.status == "dispute"


async def test_faults_and_an_outage_still_land_every_command_exactly_once(kafka_settings, tmp_path):
    faults = {"error_rate": 0.2, "timeout_rate": 0.1, "timeout_s": 1.5}
    mode = ModeSettings.model_validate({"mode": "scripted", "naive": True, "fast": True, "seed": 5, "fault": faults})
    async with gateway(kafka_settings, tmp_path, mode, webhooks=False, poll_s=0.5) as gw:
        first = [("INTRUM", "001", f"25200600{n}") for n in range(4)] + [("SVEA", "002", "252006009")]
        second = [("INTRUM", "001", f"25200700{n}") for n in range(2)] + [("SVEA", "002", "252007009")]

        def commands(batch: list[tuple[str, str, str]]) -> list[Envelope]:
            out: list[Envelope] = []
            for partner, division, invoice in batch:
                out += [register(invoice, partner, division),
                        forward(invoice, "payment", "100.00", f"P-{invoice}", partner=partner, division=division),
                        forward(invoice, "credit", "50.00", f"C-{invoice}", partner=partner, division=division),
                        close(invoice, "paid", partner=partner, division=division)]
            return out

        def landed(batch: list[tuple[str, str, str]]) -> bool:
            return all(any(c["reference"] == case_id(i, d) and c["close_requests"] for c in gw.cases(p))
                       for p, d, i in batch)

        await gw.send(*commands(first))
        await eventually(lambda: landed(first), 60)
        await gw.mode(fault={**faults, "outages": [{"start_s": 0, "end_s": 3.0}]})
        await gw.send(*commands(second))
        await eventually(lambda: gw.health.retrying > 0, 10, interval=0.05)
        await eventually(lambda: landed(second), 60)
        await gw.quiet()

        for partner, division, invoice in first + second:
            held = [c for c in gw.cases(partner) if c["reference"] == case_id(invoice, division)]
            assert len(held) == 1, f"{invoice}: {len(held)} cases"
            assert held[0]["direct_payments"] == ["100.00"] and held[0]["credits"] == ["50.00"]
            assert held[0]["close_requests"] == ["paid"]
        assert gw.health.counters["retries"] > 0

        await gw.mode(fault={})
        await gw.admin("INTRUM", "receipt", {"reference": case_id("252006000"), "case_no": "20000001"})
        answers = await gw.answers(case_id("252006000"), 2)
        assert answers[0].type == "partner.registration_accepted" and answers[0].payload.case_no == "20000001"
