"""The request sequence of the M3 ingress with fakes for Kafka, M3 and the live view: who gets
401/413/503/422/202, and that nothing is published for a refused request."""

from __future__ import annotations

import json
from typing import Any

import yaml
from aiohttp.test_utils import make_mocked_request

from workers.adapters.m3 import Address, Customer, M3PermanentError, M3TransientError
from workers.domain.configuration import load_configuration
from workers.infra.health import WorkerHealth
from workers.infra.settings import REPO_ROOT
from workers.m3_ingress.auth import BearerToken
from workers.m3_ingress.endpoints import Endpoints
from workers.m3_ingress.fsledg_reception import FsledgReception
from workers.m3_ingress.publisher import NotAcknowledged

TOKEN = "unit-token"
CONFIGURATION = load_configuration(yaml.safe_load((REPO_ROOT / "examples" / "config.yaml").read_text()))
CUSTOMER = Customer("100002", "Kunde AS", "923609016", "", False, Address(("Storgata 1",), "0155", "Oslo", "NO"),
                    "", "", "CR1", False)


def event(reminders: int = 2, **fields: str) -> dict[str, Any]:
    columns = {"CONO": "100", "DIVI": "001", "CUNO": "100002", "PYNO": "100002", "CINO": "252005046", "INYR": "2025",
               "TRCD": "10", "IVDT": "20251210", "DUDT": "20251224", "CUAM": "4046.00", "OCUA": "4046.00",
               "CUCD": "NOK", "RMQT": str(reminders), "LRDT": "20260121", "RMCT": "CR1", **fields}
    return {"document": "FSLEDG", "operation": "UPDATE", "eventId": "e-1", "unknownKey": {"ignored": True},
            "fields": {f"ES{k}": v for k, v in columns.items()}}


class Stream:
    def __init__(self, body: bytes) -> None:
        self.body = body

    async def readany(self) -> bytes:
        chunk, self.body = self.body[:512], self.body[512:]
        return chunk


class View:
    def __init__(self, configuration: Any = CONFIGURATION) -> None:
        self.configuration = configuration


class Publisher:
    def __init__(self, failure: Exception | None = None) -> None:
        self.published: list[Any] = []
        self.failure = failure

    async def publish(self, messages: list[Any]) -> None:
        if self.failure:
            raise self.failure
        self.published += messages


class M3:
    def __init__(self, failure: Exception | None = None) -> None:
        self.failure = failure
        self.calls = 0

    def reader(self, company: str) -> M3:
        return self

    async def customer(self, number: str) -> Customer:
        self.calls += 1
        if self.failure:
            raise self.failure
        return CUSTOMER


def endpoints(*, ready: bool = True, view: View | None = None, publisher: Publisher | None = None,
              m3: M3 | None = None) -> Endpoints:
    health = WorkerHealth("m3-ingress", ready=ready)
    return Endpoints(BearerToken(TOKEN), view or View(), health, publisher or Publisher(),
                     FsledgReception(m3 or M3()), max_body_bytes=2048)  # type: ignore[arg-type]


def request(body: Any, *, token: str | None = TOKEN, raw: bytes | None = None, length: bool = True) -> Any:
    data = raw if raw is not None else json.dumps(body).encode()
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if length:
        headers["Content-Length"] = str(len(data))
    return make_mocked_request("POST", "/ingress/m3/events", headers=headers, payload=Stream(data))


def answer_of(response: Any) -> tuple[int, dict[str, Any]]:
    return response.status, json.loads(response.body)


async def test_not_loaded_yet_is_503_retryable_before_the_body_is_read() -> None:
    status, body = answer_of(await endpoints(ready=False).events(request(event())))
    assert status == 503 and body["retryable"] and "not loaded" in body["error"]


async def test_the_token_is_checked_before_anything_else() -> None:
    status, body = answer_of(await endpoints(ready=False).overdue(request({}, token="wrong")))
    assert (status, body["error"]) == (401, "invalid bearer token")


async def test_declared_and_actual_size_are_both_limited() -> None:
    big = b"[" + b" " * 4096 + b"]"
    assert (await endpoints().overdue(request(None, raw=big))).status == 413
    assert (await endpoints().overdue(request(None, raw=big, length=False))).status == 413


async def test_cms049_event_at_the_threshold_is_published_with_the_customer() -> None:
    publisher, m3 = Publisher(), M3()
    ingress = endpoints(publisher=publisher, m3=m3)
    status, body = answer_of(await ingress.events(request(event())))
    assert status == 202 and body["ignored"] == [] and m3.calls == 1
    [(topic, envelope)] = publisher.published
    assert topic == "ledger.overdue" and body["accepted"] == [
        {"event_id": str(envelope.event_id), "type": "ledger.invoice_overdue", "case_id": "100/001/252005046/2025"}]
    assert envelope.payload.debtor.name == "Kunde AS"
    assert ingress.health.counters["ingress_events_accepted"] == 1


async def test_cms049_event_below_the_threshold_is_202_ignored_without_asking_m3() -> None:
    publisher, m3 = Publisher(), M3()
    status, body = answer_of(await endpoints(publisher=publisher, m3=m3).events(request(event(reminders=1))))
    assert status == 202 and body["accepted"] == [] and m3.calls == 0 and publisher.published == []
    assert body["ignored"] == [
        {"case_id": "100/001/252005046/2025", "reason": "1 of the 2 reminders rule CR1 requires"}]


async def test_one_bad_event_in_a_list_refuses_the_whole_request() -> None:
    publisher = Publisher()
    status, body = answer_of(await endpoints(publisher=publisher).events(request([event(), event(INYR="20x5")])))
    assert status == 422 and body["error"].startswith("[1] not a CMS049 FSLEDG event") and "INYR" in body["error"]
    assert publisher.published == []


async def test_m3_trouble_is_retryable_an_unknown_customer_is_not() -> None:
    down = endpoints(m3=M3(M3TransientError("gave up after 5 attempts: HTTP 503")))
    status, body = answer_of(await down.events(request(event())))
    assert status == 503 and body["retryable"]
    unknown = endpoints(m3=M3(M3PermanentError("Customer number 100002 does not exist", program="CRS610MI")))
    status, body = answer_of(await unknown.events(request(event())))
    assert status == 422 and "CRS610MI" in body["error"]


async def test_events_without_configuration_are_503() -> None:
    status, body = answer_of(await endpoints(view=View(None)).events(request(event())))
    assert status == 503 and "configuration" in body["error"]


async def test_broker_not_acknowledging_is_503_and_counted_as_rejected() -> None:
    ingress = endpoints(publisher=Publisher(NotAcknowledged("Kafka did not acknowledge within 30 s")))
    status, body = answer_of(await ingress.events(request(event())))
    assert status == 503 and "same event ids" in body["error"]
    assert ingress.health.counters["ingress_events_rejected"] == 1
