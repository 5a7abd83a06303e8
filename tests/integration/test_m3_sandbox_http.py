"""The M3 adapter against the running M3 sandbox over real HTTP on 127.0.0.1 (no Kafka needed)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import structlog
from aiohttp import web

from sandbox.m3 import SandboxState, base_url, start, write_ionapi
from workers.adapters.m3 import (M3AuthError, M3Reader, M3Writer, MIClient, RetryPolicy, Statement, StatementLine,
                                 TokenProvider, line_details, load_ionapi, parse_cms049)
from workers.adapters.m3.ionapi import IonApiConfig

@pytest.fixture(autouse=True)
def default_structlog() -> None:
    """Another test may leave structlog printing to a stream pytest has closed since."""
    structlog.reset_defaults()


INGRESS_TOKEN = "ingress-test-token"
INVOICE = ("100", "001", "252005046", 2025)
LOAD = {
    "reset": True, "company": "100",
    "customers": [{"customer": "100002", "name": "Kunde AS", "org_no": "923609016", "private": False,
                   "address": {"line1": "Storgata 1", "postcode": "0155", "city": "Oslo", "country": "NO"},
                   "email": "post@kunde.example", "reminder_rule": "CR1", "collection_blocked": False}],
    "invoices": [{"division": "001", "customer": "100002", "invoice": "252005046", "year": 2025,
                  "invoice_date": "2025-12-10", "due_date": "2025-12-24", "amount": "4046.00", "currency": "NOK",
                  "kid": "2520050465", "collection_code": 0},
                 {"division": "001", "customer": "100002", "invoice": "252005047", "year": 2025,
                  "invoice_date": "2025-12-11", "due_date": "2025-12-25", "amount": "500.00", "currency": "NOK"}],
    "accounts": {"*": {"clearing": "2902", "receivable": "1500", "interest": "8055", "input_vat": "2710",
                       "vat_base": "9000", "vat_base_offset": "9001", "kickback": "3900", "commission": "7790",
                       "rounding": "7795", "other": "7799"}},
    "settlement_functions": {"INTRUM": ["AB10-900"]},
}
WORKED_EXAMPLE = Statement("INTRUM:S-2026-03-11", "100", "001", "INTRUM", date(2026, 3, 11), "NOK", (
    StatementLine(Decimal("3968.16"), "100002", line_details(
        invoice="252005046", year=2025, kid="2520050465", principal=Decimal("4046.00"), interest=Decimal("147.16"),
        fee_vat_base=Decimal("900.00"), fee_vat=Decimal("225.00")), text="100/001/252005046/2025"),))


@dataclass
class Env:
    state: SandboxState
    url: str
    http: httpx.AsyncClient
    ionapi: IonApiConfig
    tokens: TokenProvider
    client: MIClient
    reader: M3Reader
    writer: M3Writer
    received: list[dict[str, Any]]

    async def admin(self, path: str, body: dict[str, Any] | None = None) -> Any:
        resp = await self.http.post(f"{self.url}/_sandbox/{path}", json=body or {})
        assert resp.status_code == 200, resp.text
        return resp.json()

    async def dump(self) -> dict[str, Any]:
        return (await self.http.get(f"{self.url}/_sandbox/state")).json()


@pytest.fixture
async def ingress() -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    """A tiny stand-in for the service's M3 ingress: records what the sandbox POSTs."""
    received: list[dict[str, Any]] = []

    async def receive(request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {INGRESS_TOKEN}":
            return web.json_response({"error": "unauthorized"}, status=401)
        received.append(await request.json())
        return web.json_response({"accepted": True}, status=202)

    app = web.Application()
    app.router.add_post("/ingress/m3", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    yield f"http://{host}:{port}/ingress/m3", received
    await runner.cleanup()


@pytest.fixture
async def env(tmp_path: Path, ingress: tuple[str, list[dict[str, Any]]]) -> AsyncIterator[Env]:
    state = SandboxState(fast=True, seed=11)
    runner = await start(0, state)
    url = base_url(runner)
    ionapi_path = write_ionapi(tmp_path / "sandbox.ionapi", state.tenant, url)
    async with httpx.AsyncClient(timeout=2.0) as http:
        ionapi = load_ionapi(ionapi_path)
        tokens = TokenProvider(http, ionapi)
        client = MIClient(http, tokens, retry=RetryPolicy(attempts=6, base_delay=0.01, max_delay=0.05))
        e = Env(state, url, http, ionapi, tokens, client, M3Reader(client, "100"), M3Writer(client), ingress[1])
        await e.admin("load", LOAD)
        await e.admin("ingress", {"url": ingress[0], "token": INGRESS_TOKEN})
        yield e
    await runner.cleanup()


def invoice(dump: dict[str, Any], number: str = "252005046") -> dict[str, Any]:
    return next(i for i in dump["invoices"] if i["invoice"] == number)


def net_by_account(dump: dict[str, Any]) -> dict[str, Decimal]:
    net: dict[str, Decimal] = {}
    for line in dump["journal"]:
        net[line["account"]] = net.get(line["account"], Decimal(0)) + Decimal(line["debit"]) - Decimal(line["credit"])
    return net


async def test_token_flow_including_revocation_and_early_expiry(env: Env) -> None:
    raw = await env.http.get(f"{env.ionapi.mi_base_url}/ARS200MI/LstInvByDivi", params={"DIVI": "001"})
    assert raw.status_code == 401
    assert len(await env.reader.list_invoices("001")) == 2 and env.tokens.fetches == 1
    await env.admin("tokens/revoke")
    assert len(await env.reader.list_invoices("001")) == 2 and env.tokens.fetches == 2
    await env.admin("mode", {"fault": {"early_token_expiry": 0.2}})
    await asyncio.sleep(0.3)
    assert (await env.reader.customer("100002")).org_no == "923609016"
    assert env.tokens.fetches == 3
    dump = await env.dump()
    assert dump["calls"]["http_401"] == 3 and dump["tokens"]["issued"] == 3


async def test_wrong_client_secret_is_refused(env: Env) -> None:
    wrong = IonApiConfig(**{**vars(env.ionapi), "cs": "not-the-secret"})
    with pytest.raises(M3AuthError) as err:
        await TokenProvider(env.http, wrong).token()
    assert err.value.status == 401 and "not-the-secret" not in str(err.value)


async def test_reminder_stop_and_case_info_are_visible_in_m3(env: Env) -> None:
    w = env.writer
    assert (await w.set_reminder_stop(*INVOICE, 1, "INTRUM", date(2026, 2, 20))).ok
    assert (await w.set_reminder_stop(*INVOICE, 2, "INTRUM", date(2026, 2, 21))).ok
    for _ in range(2):
        assert (await w.set_case_info(*INVOICE, {998: "13563917", 999: "13563917"}, [])).ok
    inv = invoice(await env.dump())
    assert (inv["reminder_stop"], inv["stopped_by"], inv["stop_date"]) == (2, "INTRUM", "2026-02-21")
    assert inv["fsledg"]["RMBL"] == "2" and inv["fsledg"]["BLDT"] == "20260221"
    assert inv["info"] == {"998": "13563917", "999": "13563917"}

    assert (await w.set_case_info(*INVOICE, {997: "13563917"}, [998])).ok
    assert (await w.set_reminder_stop(*INVOICE, 0, None, None)).ok
    inv = invoice(await env.dump())
    assert inv["info"] == {"997": "13563917", "999": "13563917"}
    assert (inv["reminder_stop"], inv["stopped_by"], inv["stop_date"]) == (0, "", None)

    ars251 = M3Writer(env.client, case_info="ars251")
    assert (await ars251.set_case_info(*INVOICE, {998: "777"}, [997])).ok
    assert invoice(await env.dump())["info"] == {"998": "777", "999": "13563917"}
    found = await env.client.call("ARS251MI", "LstInfoPerAddNo", {"DIVI": "001", "SEXN": "998", "SEXI": "777"})
    assert [(r["CINO"], r["INYR"]) for r in found] == [("252005046", "2025")]

    missing = await w.set_reminder_stop("100", "001", "404", 2025, 1, "INTRUM", date(2026, 2, 20))
    assert not missing.ok and missing.permanent and "does not exist" in missing.detail


async def test_worked_example_statement_books_the_domain_journal_and_emits_the_posting(env: Env) -> None:
    outcome = await env.writer.post_statement(WORKED_EXAMPLE)
    assert outcome.ok and outcome.references["XREF"] == "INTRUM:S-2026-03-11/001"
    await env.admin("drain")
    dump = await env.dump()
    assert net_by_account(dump) == {"2902": Decimal("3968.16"), "1500": Decimal("-4046.00"), "8055": Decimal("-147.16"),
                                    "2710": Decimal("225.00"), "9000": Decimal("900.00"), "9001": Decimal("-900.00")}
    assert {(j["account"], j["debit"], j["credit"]) for j in dump["journal"]} >= {("2902", "3968.16", "0.00"),
                                                                                   ("1500", "0.00", "4046.00")}
    assert invoice(dump)["open_amount"] == "0.00"
    [statement] = dump["statements"]
    assert statement["posted"] and statement["settlement"] == "INTRUM:S-2026-03-11"
    assert [d["type"] for d in statement["lines"][0]["details"]] == ["INV", "INTEREST", "FEEVAT", "VATBASE", "VATBASEO"]

    [event] = env.received
    assert event["document"] == "FSLEDG" and event["fields"]["ESFEID"] == "AB10" and event["fields"]["ESFNCN"] == "900"
    posting = parse_cms049(event)
    assert (posting.function, posting.trcd, posting.amount, posting.open_amount) == \
        ("AB10-900", "20", Decimal("-4046.00"), Decimal("0.00"))
    assert posting.case_id() == "100/001/252005046/2025"


async def test_same_statement_twice_posts_once_and_m3_refuses_the_duplicate_head(env: Env) -> None:
    first = await env.writer.post_statement(WORKED_EXAMPLE)
    second = await env.writer.post_statement(WORKED_EXAMPLE)
    assert first.ok and second.ok and second.references["already_posted"] == "true"
    assert second.references["JBNO"] == first.references["JBNO"]

    [result] = await env.client.execute("ABS100MI", [("AddStatmtHead", {
        "DIVI": "001", "BKID": "INTRUM", "XREF": WORKED_EXAMPLE.external_reference, "STDT": "20260311"})])
    assert not result.ok and result.error_code == "XRE0103" and "already exists" in result.error_message

    await env.admin("mode", {"naive": True})
    assert (await env.writer.post_statement(WORKED_EXAMPLE)).ok
    dump = await env.dump()
    assert len(dump["statements"]) == 1 and invoice(dump)["open_amount"] == "0.00"


async def test_overdue_and_payment_events_match_what_a_poll_reads(env: Env) -> None:
    answer = await env.admin("overdue", {"division": "001", "invoice": "252005046", "year": 2025,
                                         "reminders": 2, "last_reminder": "2026-01-21"})
    assert answer["delivery"] == "delivered"
    [polled] = [r for r in await env.reader.list_invoices("001") if r.invoice == "252005046"]
    assert parse_cms049(env.received[-1]) == polled
    assert (polled.reminders, polled.last_reminder_date, polled.reminder_rule) == (2, date(2026, 1, 21), "CR1")

    paid = await env.admin("postings", {"division": "001", "invoice": "252005046", "year": 2025, "kind": "payment",
                                        "amount": "100.00", "function": "AB10-001", "date": "2026-03-01"})
    record = parse_cms049(env.received[-1])
    assert paid["delivery"] == "delivered" and record.function == "AB10-001" and record.trcd == "20"
    assert record.open_amount == Decimal("3946.00") == (await env.reader.invoice_totals("001", "252005046", 2025)).open_amount

    too_much = await env.http.post(f"{env.url}/_sandbox/postings", json={
        "division": "001", "invoice": "252005046", "year": 2025, "kind": "credit", "amount": "5000.00",
        "function": "AB10-001", "date": "2026-03-02"})
    assert too_much.status_code == 409 and "exceeds open amount" in too_much.json()["error"]


async def test_unreachable_ingress_is_retried_then_shown_undelivered(env: Env) -> None:
    await env.admin("ingress", {"url": "http://127.0.0.1:9/nowhere"})
    answer = await env.admin("overdue", {"division": "001", "invoice": "252005047", "year": 2025,
                                         "reminders": 1, "last_reminder": "2026-01-10"})
    assert answer["delivery"] == "undelivered"
    [lost] = (await env.dump())["events"]["undelivered"]
    assert lost["attempts"] == 4 and lost["event"]["fields"]["ESCINO"] == "252005047"


async def test_thirty_percent_gateway_errors_still_succeed_with_retries(env: Env) -> None:
    await env.admin("mode", {"fault": {"error_rate": 0.3, "seed": 3}})
    assert (await env.writer.set_reminder_stop(*INVOICE, 1, "INTRUM", date(2026, 2, 20))).ok
    assert (await env.writer.set_case_info(*INVOICE, {998: "13563917", 999: "13563917"}, [])).ok
    assert len(await env.reader.list_invoices("001")) == 2
    assert (await env.writer.post_statement(WORKED_EXAMPLE)).ok
    dump = await env.dump()
    assert dump["modes"]["faults_injected"].get("5xx", 0) >= 2
    assert len(dump["statements"]) == 1 and invoice(dump)["info"] == {"998": "13563917", "999": "13563917"}


@pytest.mark.parametrize("processed", [True, False], ids=["answer-lost", "request-lost"])
async def test_head_timeout_in_naive_mode_never_doubles_a_statement(env: Env, processed: bool) -> None:
    """Seed 6 times out the AddStatmtHead call: the adapter must look before it writes again."""
    short = MIClient(env.http, env.tokens, timeout=0.15, retry=RetryPolicy(attempts=8, base_delay=0.01, max_delay=0.05))
    await env.admin("mode", {"naive": True, "fault": {"timeout_rate": 0.35, "timeout_seconds": 0.3, "seed": 6,
                                                      "timeout_after_processing": processed}})
    outcome = await M3Writer(short).post_statement(WORKED_EXAMPLE)
    await env.admin("mode", {"fault": {}})
    dump = await env.dump()
    assert outcome.ok, outcome.detail
    assert dump["calls"]["fault:timeout:ABS100MI/AddStatmtHead"] == 1
    assert dump["calls"]["ABS100MI/AddStatmtHead"] == 1
    assert len(dump["statements"]) == 1 and len(dump["journal"]) == 6
