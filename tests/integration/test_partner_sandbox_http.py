"""The partner adapter against the running partner sandbox, over real HTTP on 127.0.0.1.

No Kafka here: this proves the two sides speak the same API (auth, signs, cursors, webhooks),
and that the adapter's at-most-once rule holds against a sandbox that deduplicates nothing.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal

import httpx
import pytest
from aiohttp import web

from sandbox.partner import ModeSettings, PartnerSandbox
from sandbox.partner.credentials import load_or_create
from workers.adapters.partner import (
    CaseRegistration,
    ClientCredentialsAuth,
    MessageDeduplicator,
    PartnerRestClient,
    RetryPolicy,
    SecretRef,
    parse_notification,
    verify_signature,
)

PARTNER = "INTRUM"


@dataclass
class Receiver:
    """A tiny webhook endpoint that records what arrives; ``fail_first`` answers 500 first."""

    url: str = ""
    received: asyncio.Queue = field(default_factory=asyncio.Queue)
    fail_first: int = 0

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        if self.fail_first > 0:
            self.fail_first -= 1
            return web.Response(status=500)
        await self.received.put((dict(request.headers), body, request.path))
        return web.Response(status=204)

    async def next(self, timeout: float = 5.0) -> tuple[dict[str, str], bytes, str]:
        return await asyncio.wait_for(self.received.get(), timeout)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    hook = Receiver()
    app = web.Application()
    app.router.add_post("/webhooks/{partner}", hook.handle)
    runner = web.AppRunner(app, shutdown_timeout=1.0)
    await runner.setup()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    await web.SockSite(runner, sock).start()
    hook.url = f"http://127.0.0.1:{sock.getsockname()[1]}/webhooks/{{partner}}"
    yield hook
    await runner.cleanup()


@pytest.fixture
def secrets_file(tmp_path):
    return tmp_path / "partner-secrets.json"


@pytest.fixture
async def sandbox(receiver, secrets_file) -> AsyncIterator[PartnerSandbox]:
    secrets = load_or_create(secrets_file, [PARTNER, "SVEA"])
    mode = ModeSettings(mode="scripted", naive=True, fast=True, seed=7)
    async with PartnerSandbox(secrets, webhook_url=receiver.url, mode=mode) as running:
        yield running


@pytest.fixture
async def admin(sandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=sandbox.url, timeout=5) as client:
        yield client


def make_client(sandbox: PartnerSandbox, secrets_file, *, read_timeout: float = 5.0) -> PartnerRestClient:
    auth = ClientCredentialsAuth(
        sandbox.token_url(PARTNER),
        f"{PARTNER.lower()}-client",
        SecretRef(file=secrets_file, key=f"{PARTNER}.client_secret"),
    )
    return PartnerRestClient(
        PARTNER,
        sandbox.api_url(PARTNER),
        auth,
        timeout=httpx.Timeout(read_timeout, connect=2.0),
        retry=RetryPolicy(max_attempts=4, base_delay_s=0.05, max_delay_s=0.2),
    )


@pytest.fixture
async def client(sandbox, secrets_file) -> AsyncIterator[PartnerRestClient]:
    async with make_client(sandbox, secrets_file) as rest:
        yield rest


def registration(invoice: str = "252005046") -> CaseRegistration:
    return CaseRegistration.model_validate(
        {
            "reference": f"100/001/{invoice}/2025",
            "creditor_customer_no": "K84307",
            "debtor": {
                "customer_no": "100002",
                "name": "Kunde AS",
                "type": "business",
                "org_no": "923609016",
                "address": {"line1": "Storgata 1", "postcode": "0155", "city": "Oslo", "country": "NO"},
                "email": "post@kunde.example",
            },
            "invoice": {
                "number": invoice,
                "date": "2025-12-10",
                "due_date": "2025-12-24",
                "original_amount": "4046.00",
                "open_amount": "4046.00",
                "currency": "NOK",
                "kid": "2520050465",
                "reminders_sent": 2,
                "last_reminder_date": "2026-01-21",
            },
        }
    )


async def partner_state(admin: httpx.AsyncClient) -> dict:
    return (await admin.get("/_sandbox/state")).json()["partners"][PARTNER]


async def set_mode(admin: httpx.AsyncClient, **mode: object) -> None:
    response = await admin.post("/_sandbox/mode", json=mode)
    assert response.status_code == 200, response.text


async def test_scripted_case_lifecycle_end_to_end(sandbox, admin, client, receiver, secrets_file):
    reg = registration()
    result = await client.register_case(reg)
    assert result.accepted and result.case_no is None
    [held] = (await partner_state(admin))["cases"]
    assert held["case_no"] is None and held["status"] == "registered"
    assert held["registration"]["invoice"] == "252005046" and held["registration"]["division"] == "001"

    receipt = await admin.post(
        f"/_sandbox/{PARTNER}/receipt", json={"invoice": "252005046", "case_no": "13563917"}
    )
    assert receipt.status_code == 200, receipt.text
    headers, body, path = await receiver.next()
    webhook_secret = SecretRef(file=secrets_file, key=f"{PARTNER}.webhook_secret").reveal()
    verify_signature(webhook_secret, headers, body, now=time.time())
    note = parse_notification(body)
    assert path == f"/webhooks/{PARTNER}" and note.type == "case.updated"
    assert note.reference == reg.reference and note.case_no == "13563917"

    events, cursor = await client.status_changes()
    assert [(e.status, e.case_no, e.reference) for e in events] == [
        ("acknowledged", "13563917", reg.reference)
    ]
    again, same_cursor = await client.status_changes(cursor)
    assert again == [] and same_cursor == cursor

    paid = await client.forward_payment(
        reference=reg.reference,
        case_no="13563917",
        kind="payment",
        amount=Decimal("100.00"),
        posting_id="AB10-001/1",
        booking_date=None,
    )
    credited = await client.forward_payment(
        reference=reg.reference,
        case_no="13563917",
        kind="credit",
        amount=Decimal("50.00"),
        posting_id="AB10-001/2",
    )
    closed = await client.request_close(
        reference=reg.reference, case_no="13563917", reason="paid in full", request_id="cmd-close-1"
    )
    assert paid.accepted and credited.accepted and closed.accepted
    [held] = (await partner_state(admin))["cases"]
    assert held["direct_payments"] == ["100.00"] and held["credits"] == ["50.00"]
    assert held["close_requests"] == ["paid in full"]
    details = await client.case_details(case_no="13563917")
    assert details.balance == Decimal("3896.00") and details.credits[0].amount == Decimal("50.00")
    assert details.close_requests[0].request_id == "cmd-close-1"

    line = {
        "case_no": "13563917",
        "principal": "3896.00",
        "interest": "147.16",
        "fee_vat_base": "900.00",
        "fee_vat": "225.00",
        "kickback": "0.00",
        "commission": "0.00",
        "payout": "3818.16",
    }
    posted = await admin.post(
        f"/_sandbox/{PARTNER}/settlement",
        json={"settlement": "S-2026-03-11", "date": "2026-03-11", "lines": [line]},
    )
    assert posted.status_code == 200, posted.text
    _, body, _ = await receiver.next()
    assert parse_notification(body).settlement_id == "S-2026-03-11"
    summaries, _ = await client.settlements()
    assert [s.settlement_id for s in summaries] == ["S-2026-03-11"]
    settlement = await client.settlement("S-2026-03-11")
    [fetched] = settlement.lines
    assert fetched.reference == reg.reference and fetched.payout == Decimal("3818.16")
    assert fetched.principal + fetched.interest - fetched.fee_vat == fetched.payout


async def test_naive_mode_really_creates_doubles_for_a_careless_client(sandbox, admin, client):
    body = client._http  # the raw authenticated transport, without the at-most-once rule
    wire = registration("1001").model_dump(mode="json", exclude_none=True)
    for _ in range(2):
        assert (await body.send("POST", "/cases", json_body=wire)).status_code == 201
    assert len((await partner_state(admin))["cases"]) == 2


async def test_lost_answer_on_register_still_leaves_exactly_one_case(sandbox, admin, secrets_file):
    await set_mode(
        admin,
        naive=True,
        fault={"timeout_s": 1.0, "script": [{"operation": "register_case", "kind": "timeout", "times": 1}]},
    )
    async with make_client(sandbox, secrets_file, read_timeout=0.3) as impatient:
        result = await impatient.register_case(registration("2002"))
    assert result.accepted and result.already_existed
    cases = (await partner_state(admin))["cases"]
    assert [c["reference"] for c in cases] == ["100/001/2002/2025"]


async def test_answer_lost_after_a_payment_is_not_paid_twice(sandbox, admin, client):
    reg = registration("3003")
    await client.register_case(reg)
    await admin.post(f"/_sandbox/{PARTNER}/receipt", json={"reference": reg.reference, "case_no": "777"})
    await set_mode(admin, naive=True, fault={"script": [{"operation": "payment", "kind": "error_after"}]})
    result = await client.forward_payment(
        reference=reg.reference, case_no="777", kind="payment", amount=Decimal("10.00"), posting_id="P-1"
    )
    assert result.accepted and result.already_existed
    [held] = (await partner_state(admin))["cases"]
    assert held["direct_payments"] == ["10.00"]


async def test_normal_mode_answers_409_and_the_adapter_counts_it_as_success(sandbox, admin, client):
    await set_mode(admin, naive=False)
    reg = registration("4004")
    first = await client.register_case(reg)
    raw = await client._http.send("POST", "/cases", json_body=reg.model_dump(mode="json", exclude_none=True))
    second = await client.register_case(reg)
    assert first.accepted and not first.already_existed
    assert raw.status_code == 409 and raw.json()["case"]["reference"] == reg.reference
    assert second.accepted and second.already_existed
    assert len((await partner_state(admin))["cases"]) == 1


async def test_rejection_is_kept_apart_from_held_cases(sandbox, admin, client):
    await set_mode(admin, naive=False)
    reg = registration("5005")
    await client.register_case(reg)
    response = await admin.post(
        f"/_sandbox/{PARTNER}/rejection", json={"invoice": "5005", "reason": "debtor under debt settlement"}
    )
    assert response.status_code == 200, response.text
    state = await partner_state(admin)
    assert state["cases"] == [] and state["rejections"][0]["reason"] == "debtor under debt settlement"
    events, _ = await client.status_changes()
    assert events[-1].status == "rejected" and events[-1].reason == "debtor under debt settlement"
    again = await client.register_case(reg)
    assert not again.accepted and again.already_existed


async def test_validation_errors_become_a_rejection_with_reasons(client):
    data = registration("6006").model_dump(mode="json")
    data["debtor"]["org_no"] = None
    result = await client.register_case(CaseRegistration.model_validate(data))
    assert not result.accepted and "org_no is required for business debtors" in result.reason


async def test_token_that_dies_early_is_replaced(sandbox, admin, client):
    await set_mode(admin, fault={"token_early_expiry_s": 0.2})
    assert (await client.register_case(registration("7007"))).accepted
    await asyncio.sleep(0.3)
    assert (await client.find_cases("100/001/7007/2025"))[0].reference == "100/001/7007/2025"


async def test_webhooks_are_retried_until_2xx_and_duplicates_are_caught(sandbox, admin, client, receiver):
    await set_mode(admin, fault={"duplicate_webhook_rate": 1.0})
    receiver.fail_first = 1
    reg = registration("8008")
    await client.register_case(reg)
    await admin.post(f"/_sandbox/{PARTNER}/receipt", json={"reference": reg.reference, "case_no": "888"})
    first, second = await receiver.next(), await receiver.next()
    dedup, handled = MessageDeduplicator(), []
    for _, body, _ in (first, second):
        note = parse_notification(body)
        if not dedup.seen(note.message_id, now=time.time()):
            handled.append(note)
            dedup.remember(note.message_id, now=time.time())
    assert len(handled) == 1
    [delivery] = (await partner_state(admin))["webhooks"]
    assert delivery["status"] == "delivered" and delivery["attempts"] == 3 and delivery["copies"] == 2


async def test_admin_status_uses_the_partners_words_and_the_event_time(sandbox, admin, client):
    reg = registration("9009")
    await client.register_case(reg)
    await admin.post(
        f"/_sandbox/{PARTNER}/receipt",
        json={"reference": reg.reference, "case_no": "999", "at": "2026-02-21T10:00:00+00:00"},
    )
    for status, at in (("dispute", "2026-03-05T10:00:00+00:00"), ("collection", "2026-03-01T10:00:00+00:00")):
        answer = await admin.post(
            f"/_sandbox/{PARTNER}/status", json={"case_no": "999", "status": status, "at": at}
        )
        assert answer.status_code == 200, answer.text
    events, _ = await client.status_changes()
    assert [e.raw_status for e in events][-2:] == ["INNSIGELSE", "INKASSO"]
    details = await client.case_details(case_no="999")
    assert details.status == "dispute"
    bad = await admin.post(
        f"/_sandbox/{PARTNER}/status", json={"case_no": "999", "status": "flying", "extra": 1}
    )
    assert bad.status_code == 400 and "extra" in bad.text


async def test_autonomous_mode_moves_cases_by_itself(sandbox, admin, client):
    await set_mode(admin, mode="autonomous", naive=False, seed=3)
    result = await client.register_case(registration("1111"))
    assert result.accepted and result.case_no is not None
    deadline = time.monotonic() + 8
    while time.monotonic() < deadline:
        details = await client.case_details(case_no=result.case_no)
        if details.status in ("closed_settled", "closed_unsettled"):
            break
        await asyncio.sleep(0.1)
    assert details.status in ("closed_settled", "closed_unsettled"), details.status
    events, _ = await client.status_changes()
    assert all(e.status is not None for e in events)
