"""Partner gateway webhooks: who is refused, and that a message id is remembered only after 2xx."""

from __future__ import annotations

import json

from workers.adapters.partner import SecretRef, sign
from workers.infra.health import WorkerHealth
from workers.partner_gateway.feed import PullResult
from workers.partner_gateway.options import GatewayOptions
from workers.partner_gateway.webhook import WebhookReceiver

NOW = 1_770_000_000
SECRET = "intrum-sandbox-webhook-secret"


class FakeClients:
    def is_known(self, partner: str) -> bool:
        return partner == "INTRUM"

    def webhook_secret(self, partner: str) -> SecretRef:
        return SecretRef(env="TEST_PARTNER_GATEWAY_WEBHOOK_SECRET")


class FakePulls:
    def __init__(self, *results: PullResult) -> None:
        self.results = list(results)
        self.asked: list[str] = []

    async def __call__(self, partner: str) -> PullResult:
        self.asked.append(partner)
        return self.results.pop(0)


def receiver(pulls: FakePulls, monkeypatch) -> WebhookReceiver:
    monkeypatch.setenv("TEST_PARTNER_GATEWAY_WEBHOOK_SECRET", SECRET)
    return WebhookReceiver(FakeClients(), pulls, WorkerHealth("partner-gateway"), GatewayOptions(),  # type: ignore[arg-type]
                           clock=lambda: NOW)


def notification(message_id: str = "m-1", partner: str = "INTRUM") -> bytes:
    return json.dumps({"message_id": message_id, "partner": partner, "type": "case.updated",
                       "case_no": "13563917"}).encode()


def signed(body: bytes, at: int = NOW, secret: str = SECRET) -> dict[str, str]:
    return {"X-Signature": sign(secret, body, at)}


async def test_strangers_are_refused_before_anything_is_read(monkeypatch):
    pulls = FakePulls()
    hook, body = receiver(pulls, monkeypatch), notification()
    cases = [
        ("KREDINOR", body, signed(body), 404),
        ("INTRUM", body, {}, 401),
        ("INTRUM", body, signed(body, secret="guess"), 401),
        ("INTRUM", notification("m-2"), signed(body), 401),
        ("INTRUM", body, signed(body, at=NOW - 301), 401),
        ("INTRUM", body, signed(body, at=NOW + 301), 401),
        ("INTRUM", b"[]", signed(b"[]"), 400),
        ("INTRUM", notification(partner="SVEA"), signed(notification(partner="SVEA")), 400),
    ]
    for partner, sent, headers, status in cases:
        assert (await hook.receive(partner, headers, sent)).status == status
    assert pulls.asked == []


async def test_a_message_id_counts_as_handled_only_after_its_changes_were_published(monkeypatch):
    pulls = FakePulls(PullResult(False, reason="PartnerUnavailable"), PullResult(True, 2))
    hook, body = receiver(pulls, monkeypatch), notification()
    assert (await hook.receive("INTRUM", signed(body), body)).status == 503
    answer = await hook.receive("INTRUM", signed(body), body)
    assert (answer.status, answer.body) == (200, {"published": 2})
    again = await hook.receive("INTRUM", signed(body), body)
    assert (again.status, again.body) == (200, {"duplicate": True})
    assert pulls.asked == ["INTRUM", "INTRUM"]
