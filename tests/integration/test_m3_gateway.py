"""The M3 gateway worker in-process on the real broker, against the M3 sandbox over real HTTP.

Commands go onto `m3.commands` with kafka-python, the gateway executes them in the sandbox, and
the tests read the sandbox's state (`/_sandbox/state`) and the outcomes on `m3.outcomes`.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import structlog
import yaml

from contracts import Envelope, derived_event_id, new_message
from sandbox.m3 import SandboxState, base_url, start, write_ionapi
from workers.adapters.m3 import MIClient, RetryPolicy, TokenProvider, load_ionapi
from workers.infra.settings import REPO_ROOT, Settings
from workers.infra.topic_io import publish, publish_raw, read_to_end
from workers.m3_gateway.app import build
from workers.m3_gateway.retry_policy import Backoff

pytestmark = pytest.mark.integration

EXAMPLE = yaml.safe_load((REPO_ROOT / "examples" / "config.yaml").read_text())
CASE = "100/001/252005046/2025"
OTHER_CASES = [f"100/001/25200510{n}/2025" for n in range(4)]


def _invoice(number: str, amount: str, kid: str = "") -> dict[str, Any]:
    return {"division": "001", "customer": "100002", "invoice": number, "year": 2025, "invoice_date": "2025-12-10",
            "due_date": "2025-12-24", "amount": amount, "currency": "NOK", "kid": kid}


LOAD = {
    "reset": True, "company": EXAMPLE["company"],
    "customers": [{"customer": "100002", "name": "Kunde AS", "org_no": "923609016", "private": False,
                   "address": {"line1": "Storgata 1", "postcode": "0155", "city": "Oslo", "country": "NO"},
                   "reminder_rule": "CR1"}],
    "invoices": [_invoice("252005046", "4046.00", "2520050465"),
                 *(_invoice(case.split("/")[2], "500.00") for case in OTHER_CASES)],
    "accounts": EXAMPLE["accounts"],
    "settlement_functions": {"INTRUM": ["AB10-900"]},
}


@pytest.fixture(autouse=True)
def default_structlog() -> None:
    """Another test may leave structlog printing to a stream pytest has closed since."""
    structlog.reset_defaults()


@dataclass
class Sandbox:
    url: str
    state: SandboxState
    ionapi: Path
    http: httpx.AsyncClient

    async def admin(self, path: str, body: dict[str, Any]) -> Any:
        resp = await self.http.post(f"{self.url}/_sandbox/{path}", json=body)
        assert resp.status_code == 200, resp.text
        return resp.json()

    async def dump(self) -> dict[str, Any]:
        return (await self.http.get(f"{self.url}/_sandbox/state")).json()

    async def invoice(self, number: str) -> dict[str, Any]:
        return next(i for i in (await self.dump())["invoices"] if i["invoice"] == number)


@pytest.fixture
async def m3(tmp_path: Path) -> AsyncIterator[Sandbox]:
    state = SandboxState(fast=True, seed=7)
    runner = await start(0, state)
    url = base_url(runner)
    async with httpx.AsyncClient(timeout=10.0) as http:
        sandbox = Sandbox(url, state, write_ionapi(tmp_path / "tenant.ionapi", state.tenant, url), http)
        await sandbox.admin("load", LOAD)
        yield sandbox
    await runner.cleanup()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Gateway:
    settings: Settings
    app: Any
    web_port: int

    async def send(self, *commands: Envelope) -> None:
        await asyncio.to_thread(publish, self.settings, [("m3.commands", c) for c in commands])

    async def outcomes(self, count: int, timeout: float = 30.0) -> list[Envelope]:
        return await _wait_for(lambda: _read(self.settings, "m3.outcomes"), lambda got: len(got) >= count, timeout)


@contextlib.asynccontextmanager
async def running_gateway(settings: Settings) -> AsyncIterator[Gateway]:
    port = _free_port()
    app = build(settings, web_port=port, in_memory_tables=True, backoff=Backoff(base=0.05, cap=0.3),
                mi_retry=RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05), http_timeout=1.0)
    app.finalize()
    await app.start()
    try:
        await _wait_for(lambda: app.m3_health.ready, bool, timeout=15.0)
        yield Gateway(settings, app, port)
    finally:
        await app.stop()


@pytest.fixture
def gateway_settings(kafka_settings: Settings, m3: Sandbox) -> Settings:
    return kafka_settings.model_copy(update={"m3_ionapi_file": m3.ionapi})


@pytest.fixture
async def gateway(gateway_settings: Settings) -> AsyncIterator[Gateway]:
    async with running_gateway(gateway_settings) as running:
        yield running


def _read(settings: Settings, topic: str) -> list[Envelope]:
    return [record.envelope(topic) for record in read_to_end(settings, topic)]


async def _wait_for(fetch: Callable[[], Any], done: Callable[[Any], bool], timeout: float = 30.0) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        got = await asyncio.to_thread(fetch)
        if done(got):
            return got
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out; last seen: {got!r}"[:2000])
        await asyncio.sleep(0.2)


def reminder_stop(case: str, code: int, on: date | None = date(2026, 2, 20)) -> Envelope:
    company, division, invoice, year = case.split("/")
    payload = {"company": company, "division": division, "invoice": invoice, "year": int(year), "code": code,
               "stopped_by": "INTRUM" if code else None, "stop_date": on if code else None}
    return new_message("m3.set_reminder_stop", payload, source="test")


def case_info(case: str, add: dict[str, str], remove: tuple[str, ...] = ()) -> Envelope:
    company, division, invoice, year = case.split("/")
    return new_message("m3.set_case_info", {"company": company, "division": division, "invoice": invoice,
                                            "year": int(year), "add": add, "remove": remove}, source="test")


def worked_example(event_id: uuid.UUID | None = None) -> Envelope:
    """DOMAIN §2.4: 4 046.00 principal, 147.16 interest, 900.00 fee VAT base, 225.00 fee VAT."""
    details = [
        {"type": "INV", "amount": "4046.00", "invoice": "252005046", "year": 2025, "kid": "2520050465"},
        {"type": "INTEREST", "amount": "147.16"},
        {"type": "FEEVAT", "amount": "-225.00"},
        {"type": "VATBASE", "amount": "-900.00"},
        {"type": "VATBASEO", "amount": "900.00"},
    ]
    journal = [
        {"account": "2902", "debit": "3968.16"}, {"account": "1500", "credit": "4046.00"},
        {"account": "8055", "credit": "147.16"}, {"account": "2710", "debit": "225.00"},
        {"account": "9000", "debit": "900.00"}, {"account": "9001", "credit": "900.00"},
    ]
    payload = {"company": "100", "division": "001", "partner": "INTRUM", "settlement_id": "INTRUM/S-2026-03-11",
               "statement_date": date(2026, 3, 11), "currency": "NOK",
               "lines": [{"case_id": CASE, "amount": "3968.16", "details": details}], "journal": journal}
    return new_message("m3.post_statement", payload, source="test", event_id=event_id)


EXPECTED_GL = {("2902", "3968.16", "0.00"), ("1500", "0.00", "4046.00"), ("8055", "0.00", "147.16"),
               ("2710", "225.00", "0.00"), ("9000", "900.00", "0.00"), ("9001", "0.00", "900.00")}


def gl_lines(dump: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(j["account"], j["debit"], j["credit"]) for j in dump["journal"]}


async def test_reminder_stop_and_case_info_change_the_invoice_in_order(gateway: Gateway, m3: Sandbox):
    commands = [reminder_stop(CASE, 1), reminder_stop(CASE, 2), case_info(CASE, {"998": "13563917", "999": "13563917"}),
                reminder_stop(CASE, 9, date(2026, 3, 11)), case_info(CASE, {"997": "13563917"}, ("998",))]
    await gateway.send(*commands)

    outcomes = await gateway.outcomes(len(commands))
    assert [o.payload.command_id for o in outcomes] == [c.event_id for c in commands]
    assert all(o.payload.ok and not o.payload.permanent for o in outcomes)
    assert all(o.case_id == CASE and o.key is None for o in outcomes)
    assert [o.event_id for o in outcomes] == [derived_event_id(c.event_id, "m3-outcome") for c in commands]
    assert outcomes[0].payload.command_type == "m3.set_reminder_stop"
    assert outcomes[2].payload.references == {"SEXN998": "13563917", "SEXN999": "13563917"}

    invoice = await m3.invoice("252005046")
    assert (invoice["reminder_stop"], invoice["stopped_by"], invoice["stop_date"]) == (9, "INTRUM", "2026-03-11")
    row = invoice["fsledg"]
    assert (row["RMBL"], row["BLBY"], row["BLDT"]) == ("9", "INTRUM", "20260311")
    assert invoice["info"] == {"997": "13563917", "999": "13563917"}

    health = gateway.app.m3_health
    assert health.ready and health.in_flight == 0 and health.retrying == 0
    assert health.counters["set_reminder_stop_ok"] == 3 and health.counters["set_case_info_ok"] == 2
    async with httpx.AsyncClient() as http:
        body = (await http.get(f"http://127.0.0.1:{gateway.web_port}/health")).json()
        metrics = (await http.get(f"http://127.0.0.1:{gateway.web_port}/metrics")).text
    assert body["ready"] is True and body["in_flight"] == 0 and "counters" not in body
    assert 'dcs_set_case_info_ok_total{worker="m3_gateway"} 2' in metrics
    assert 'dcs_set_reminder_stop_ok_total{worker="m3_gateway"} 3' in metrics


async def test_ars251_setting_writes_the_categories_through_ars251mi(gateway_settings: Settings, m3: Sandbox):
    settings = gateway_settings.model_copy(update={"m3_case_info": "ars251"})
    async with running_gateway(settings) as gateway:
        await gateway.send(case_info(CASE, {"998": "13563917", "999": "13563917"}))
        (outcome,) = await gateway.outcomes(1)
    assert outcome.payload.ok
    dump = await m3.dump()
    assert next(i for i in dump["invoices"] if i["invoice"] == "252005046")["info"] == {
        "998": "13563917", "999": "13563917"}
    assert dump["calls"]["ARS251MI/AddInfoCat"] == 2 and "EXT100MI/AddCaseInfo" not in dump["calls"]


async def test_unknown_invoice_is_a_permanent_failure_with_the_m3_text(gateway: Gateway, m3: Sandbox):
    unknown = "100/001/999999999/2025"
    bad, good = reminder_stop(unknown, 1), reminder_stop(CASE, 1)
    await gateway.send(bad, good)

    by_command = {o.payload.command_id: o for o in await gateway.outcomes(2)}
    first, second = by_command[bad.event_id], by_command[good.event_id]
    assert first.case_id == unknown
    assert not first.payload.ok and first.payload.permanent
    assert "Invoice number 999999999 year 2025 does not exist" in first.payload.detail
    assert second.payload.ok and (await m3.invoice("252005046"))["reminder_stop"] == 1
    assert gateway.app.m3_health.counters["set_reminder_stop_failed"] == 1


async def test_worked_example_statement_posts_once_even_when_sent_again(gateway: Gateway, m3: Sandbox):
    await m3.admin("mode", {"naive": True})
    command = worked_example()
    copy = worked_example()  # same settlement, a new event id (e.g. the aggregator re-ran)
    await gateway.send(command, command, copy)

    outcomes = await gateway.outcomes(3)
    dump = await m3.dump()
    assert len(dump["statements"]) == 1 and dump["statements"][0]["posted"]
    statement = dump["statements"][0]
    assert statement["external_reference"] == "INTRUM/S-2026-03-11/001"
    assert statement["head"]["BKID"] == "INTRUM" and statement["head"]["STDT"] == "2026-03-11"
    line = statement["lines"][0]
    assert (line["amount"], line["payer"], line["text"]) == ("3968.16", "100002", CASE)
    assert [(d["type"], d["amount"]) for d in line["details"]] == [
        ("INV", "4046.00"), ("INTEREST", "147.16"), ("FEEVAT", "-225.00"), ("VATBASE", "-900.00"),
        ("VATBASEO", "900.00")]
    assert line["details"][0]["invoice"] == "252005046" and line["details"][0]["kid"] == "2520050465"
    assert len(dump["journal"]) == 6 and gl_lines(dump) == EXPECTED_GL

    assert all(o.payload.ok and o.case_id == CASE and o.key is None for o in outcomes)
    assert all(o.payload.command_type == "m3.post_statement" for o in outcomes)
    assert outcomes[0].event_id == outcomes[1].event_id == derived_event_id(command.event_id, f"m3-outcome/{CASE}")
    assert outcomes[2].payload.command_id == copy.event_id
    refs = [o.payload.references for o in outcomes]
    assert {r["JBNO"] for r in refs} == {statement["head"]["JBNO"]}
    assert all(r["settlement_id"] == "INTRUM/S-2026-03-11" and r["lines"] == "1" for r in refs)
    assert [r["already_posted"] for r in refs] == ["false", "true", "true"]
    assert (await m3.invoice("252005046"))["open_amount"] == "0.00"


async def test_statement_left_half_done_by_a_crash_is_completed_not_doubled(gateway: Gateway, m3: Sandbox):
    await m3.admin("mode", {"naive": True})
    tokens = TokenProvider(m3.http, load_ionapi(m3.ionapi))
    earlier_run = MIClient(m3.http, tokens)
    head = {"CONO": "100", "DIVI": "001", "XREF": "INTRUM/S-2026-03-11/001", "BKID": "INTRUM", "STDT": "20260311",
            "CUCD": "NOK"}
    (created,) = await earlier_run.call("ABS100MI", "AddStatmtHead", head, idempotent=False)
    await earlier_run.call("ABS100MI", "AddStatmtLine", {"CONO": "100", "DIVI": "001", "JBNO": created["JBNO"],
                                                         "LINO": "1", "BLLF": "3968.16", "PYNO": "100002"})
    await gateway.send(worked_example())

    (outcome,) = await gateway.outcomes(1)
    assert outcome.payload.ok and outcome.payload.references["JBNO"] == created["JBNO"]
    dump = await m3.dump()
    assert len(dump["statements"]) == 1 and dump["statements"][0]["posted"]
    assert len(dump["journal"]) == 6 and gl_lines(dump) == EXPECTED_GL


async def test_statement_posts_once_when_m3_answers_after_the_client_gave_up(gateway: Gateway, m3: Sandbox):
    """Seed 20 lets the payer lookup and the first LstStatmtHead through, then makes the sandbox
    create the head but answer too late (the client times out), then lets everything through."""
    await m3.admin("mode", {"naive": True, "fault": {"timeout_rate": 0.5, "timeout_seconds": 1.3, "seed": 20}})
    await gateway.send(worked_example())

    (outcome,) = await gateway.outcomes(1)
    dump = await m3.dump()
    assert dump["calls"]["fault:timeout:ABS100MI/AddStatmtHead"] == 1 == dump["calls"]["ABS100MI/AddStatmtHead"]
    assert outcome.payload.ok
    assert len(dump["statements"]) == 1 and len(dump["journal"]) == 6 and gl_lines(dump) == EXPECTED_GL


def many_lines_statement() -> Envelope:
    lines = [{"case_id": case, "amount": "500.00", "payer": "100002",
              "details": [{"type": "INV", "amount": "500.00", "invoice": case.split("/")[2], "year": 2025}]}
             for case in OTHER_CASES]
    return new_message("m3.post_statement", {
        "company": "100", "division": "001", "partner": "INTRUM", "settlement_id": "INTRUM/S-2026-03-12",
        "statement_date": date(2026, 3, 12), "currency": "NOK", "lines": lines,
        "journal": [{"account": "2902", "debit": "2000.00"}, {"account": "1500", "credit": "2000.00"}]}, source="test")


async def test_everything_succeeds_through_5xx_timeouts_locks_and_dying_tokens(gateway: Gateway, m3: Sandbox):
    await m3.admin("mode", {"naive": True, "fault": {
        "error_rate": 0.3, "timeout_rate": 0.1, "timeout_seconds": 1.3, "errors_in_200_rate": 0.05,
        "early_token_expiry": 0.4, "seed": 3}})
    commands = [c for case in OTHER_CASES for c in (reminder_stop(case, 1), case_info(case, {"998": f"K{case[8:17]}"}))]
    commands += [worked_example(), many_lines_statement()]
    await gateway.send(*commands)

    expected = len(commands) - 1 + len(OTHER_CASES)  # a statement reports once per case line
    outcomes = await gateway.outcomes(expected, timeout=45.0)
    assert all(o.payload.ok for o in outcomes), [o.payload.detail for o in outcomes if not o.payload.ok]
    assert {o.payload.command_id for o in outcomes} == {c.event_id for c in commands}
    assert len({o.event_id for o in outcomes}) == expected
    dump = await m3.dump()
    assert sorted(s["external_reference"] for s in dump["statements"]) == [
        "INTRUM/S-2026-03-11/001", "INTRUM/S-2026-03-12/001"]
    assert all(s["posted"] for s in dump["statements"])
    assert len(dump["journal"]) == 6 + 2 * len(OTHER_CASES)
    for case in OTHER_CASES:
        invoice = next(i for i in dump["invoices"] if i["invoice"] == case.split("/")[2])
        assert invoice["reminder_stop"] == 1 and invoice["info"] == {"998": f"K{case[8:17]}"}
        assert invoice["open_amount"] == "0.00"
    injected = dump["modes"]["faults_injected"]
    assert injected.get("5xx", 0) > 0 and injected.get("timeout", 0) > 0 and dump["tokens"]["issued"] > 1
    health = gateway.app.m3_health
    assert health.in_flight == 0 and health.retrying == 0


async def test_malformed_command_is_dead_lettered_and_the_next_one_runs(gateway: Gateway, m3: Sandbox):
    broken = b'{"type": "m3.set_reminder_stop"'
    await asyncio.to_thread(publish_raw, gateway.settings, "m3.commands", CASE.encode(), broken)
    await asyncio.to_thread(publish_raw, gateway.settings, "m3.commands", CASE.encode(), None)
    good = reminder_stop(CASE, 1)
    await gateway.send(good)

    (outcome,) = await gateway.outcomes(1)
    assert outcome.payload.command_id == good.event_id and outcome.payload.ok
    letters = await _wait_for(lambda: _read(gateway.settings, "m3.commands.dlq"), lambda got: len(got) == 2)
    first, tombstone = (letter.payload for letter in letters)
    assert first.source_topic == gateway.settings.topic("m3.commands") and "invalid JSON" in first.error
    assert first.raw() == broken and first.key == CASE
    assert "tombstone" in tombstone.error and tombstone.offset == first.offset + 1
    assert gateway.app.m3_health.counters["dead_letters"] == 2
    assert (await m3.invoice("252005046"))["reminder_stop"] == 1


async def test_a_command_retrying_when_the_worker_stops_is_done_by_the_next_worker(gateway_settings, m3: Sandbox):
    command = reminder_stop(CASE, 1)
    async with running_gateway(gateway_settings) as first:
        await m3.admin("mode", {"fault": {"outages": [{"start": 0, "end": 3600}]}})
        await first.send(command)
        await _wait_for(lambda: first.app.m3_health.counters["retries"], lambda n: n >= 2)
        assert first.app.m3_health.retrying + first.app.m3_health.in_flight == 1
    assert await asyncio.to_thread(_read, gateway_settings, "m3.outcomes") == []
    assert (await m3.invoice("252005046"))["reminder_stop"] == 0

    await m3.admin("mode", {"fault": {}})
    async with running_gateway(gateway_settings) as second:
        (outcome,) = await second.outcomes(1)
        assert outcome.payload.ok and outcome.payload.command_id == command.event_id
    assert (await m3.invoice("252005046"))["reminder_stop"] == 1
