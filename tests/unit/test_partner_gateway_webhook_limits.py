"""The webhook body limit is checked before and while reading, never after buffering it whole."""

from __future__ import annotations

from tests.unit.test_partner_gateway_webhook import NOW, SECRET, FakeClients, FakePulls, notification
from workers.adapters.partner import sign
from workers.infra.health import WorkerHealth
from workers.partner_gateway.feed import PullResult
from workers.partner_gateway.options import GatewayOptions
from workers.partner_gateway.webhook import WebhookReceiver, read_at_most

LIMIT = GatewayOptions().max_webhook_bytes


class Stream:
    """A request body arriving in chunks; counts how much was read."""

    def __init__(self, body: bytes, chunk: int = 16 * 1024) -> None:
        self.chunks = [body[i:i + chunk] for i in range(0, len(body), chunk)]
        self.read = 0

    async def readany(self) -> bytes:
        if not self.chunks:
            return b""
        self.read += 1
        return self.chunks.pop(0)


def receiver(monkeypatch, pulls: FakePulls | None = None) -> WebhookReceiver:
    monkeypatch.setenv("TEST_PARTNER_GATEWAY_WEBHOOK_SECRET", SECRET)
    return WebhookReceiver(FakeClients(), pulls or FakePulls(),  # type: ignore[arg-type]
                           WorkerHealth("partner-gateway"), GatewayOptions(), clock=lambda: NOW)


async def test_a_declared_length_over_the_limit_is_refused_before_reading(monkeypatch):
    body = b"[" + b" " * (2 * 1024 * 1024) + b"]"
    stream = Stream(body)
    answer = await receiver(monkeypatch).receive_request("INTRUM", {"X-Signature": sign(SECRET, body, NOW)},
                                                         len(body), stream)
    assert answer.status == 413
    assert answer.body == {"error": f"body of {len(body)} bytes exceeds the limit of {LIMIT} bytes"}
    assert stream.read == 0


async def test_a_chunked_body_is_cut_off_at_the_limit(monkeypatch):
    body = b"[" + b" " * (4 * LIMIT) + b"]"
    stream = Stream(body)
    answer = await receiver(monkeypatch).receive_request("INTRUM", {"X-Signature": sign(SECRET, body, NOW)},
                                                         None, stream)
    assert answer.status == 413 and "exceeds the limit" in answer.body["error"]
    assert stream.read == LIMIT // (16 * 1024) + 1, "not a chunk more than needed to pass the limit"


async def test_an_unknown_partner_is_404_whatever_the_size(monkeypatch):
    stream = Stream(b"x" * (LIMIT + 1))
    answer = await receiver(monkeypatch).receive_request("KREDINOR", {}, LIMIT + 1, stream)
    assert answer.status == 404 and stream.read == 0


async def test_a_body_within_the_limit_is_read_whole_and_verified(monkeypatch):
    pulls = FakePulls(PullResult(True, 1))
    body = notification()
    answer = await receiver(monkeypatch, pulls).receive_request(
        "INTRUM", {"X-Signature": sign(SECRET, body, NOW)}, None, Stream(body, 7))
    assert (answer.status, answer.body) == (200, {"published": 1}) and pulls.asked == ["INTRUM"]


async def test_exactly_the_limit_is_not_too_much():
    assert await read_at_most(Stream(b"x" * LIMIT), LIMIT) == b"x" * LIMIT
    assert await read_at_most(Stream(b"x" * (LIMIT + 1)), LIMIT) is None
    assert await read_at_most(Stream(b""), LIMIT) == b""
