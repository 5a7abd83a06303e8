"""MIClient, M3Writer and M3Reader against recorded MI REST v2 response shapes (httpx.MockTransport)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any, Callable

import httpx
import pytest
import structlog

from workers.adapters.m3 import (IonApiConfig, M3AuthError, M3PermanentError, M3Reader, M3TransientError,
                                 M3Writer, MIClient, RetryPolicy, Statement, StatementLine, TokenProvider,
                                 line_details)

@pytest.fixture(autouse=True)
def default_structlog() -> None:
    """Another test may leave structlog printing to a stream pytest has closed since."""
    structlog.reset_defaults()


CFG = IonApiConfig(ti="ACME_TST", ci="ACME_TST~client", cs="cs-secret", iu="https://ionapi.example",
                   pu="https://sso.example/ACME_TST/as/", ot="token.oauth2", saak="ACME_TST#saak",
                   sask="sask-secret")
MI = "/ACME_TST/M3/m3api-rest/v2/execute"


def ok(transaction: str, *records: dict[str, str]) -> dict[str, Any]:
    return {"results": [{"transaction": transaction, "records": list(records)}], "wasTerminated": False,
            "nrOfSuccessfullTransactions": 1, "nrOfFailedTransactions": 0}


def nok(transaction: str, message: str, code: str = "XRE0104", field: str = "") -> dict[str, Any]:
    return {"results": [{"transaction": transaction, "errorMessage": message.ljust(120),
                         "errorType": "ServerReturnedNOK", "errorCode": code, "errorField": field.ljust(10)}],
            "wasTerminated": False, "nrOfSuccessfullTransactions": 0, "nrOfFailedTransactions": 1}


Reply = dict[str, Any] | httpx.Response | Exception | Callable[[httpx.Request], Any]


class FakeM3:
    """ION token endpoint + MI endpoints answering from per-transaction scripts (last reply repeats)."""

    def __init__(self) -> None:
        self.scripts: dict[str, list[Reply]] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.valid: set[str] = set()
        self.issued = 0

    def script(self, key: str, *replies: Reply) -> None:
        self.scripts[key] = list(replies)

    def revoke(self) -> None:
        self.valid.clear()

    def keys(self) -> list[str]:
        return [k for k, _ in self.calls]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/as/token.oauth2"):
            self.issued += 1
            token = f"tok-{self.issued}"
            self.valid.add(token)
            return httpx.Response(200, json={"access_token": token, "token_type": "Bearer", "expires_in": 7200})
        if request.headers.get("Authorization", "").removeprefix("Bearer ") not in self.valid:
            return httpx.Response(401, json={"error": "invalid_token"})
        if request.method == "GET":
            program, transaction = request.url.path.split("/")[-2:]
            key, record = f"{program}/{transaction}", dict(request.url.params)
        else:
            body = json.loads(request.content)
            key, record = f"bulk:{body['program']}", body
        self.calls.append((key, record))
        replies = self.scripts.get(key) or [ok(key.split("/")[-1])]
        reply = replies.pop(0) if len(replies) > 1 else replies[0]
        if callable(reply) and not isinstance(reply, Exception):
            reply = reply(request)
        if isinstance(reply, Exception):
            raise reply
        return reply if isinstance(reply, httpx.Response) else httpx.Response(200, json=reply)


@pytest.fixture
def fake() -> FakeM3:
    return FakeM3()


@pytest.fixture
async def client(fake: FakeM3):
    delays: list[float] = []

    async def no_sleep(seconds: float) -> None:
        delays.append(seconds)

    async with httpx.AsyncClient(transport=httpx.MockTransport(fake)) as http:
        mi = MIClient(http, TokenProvider(http, CFG), retry=RetryPolicy(attempts=4, base_delay=0.1), sleep=no_sleep)
        mi.delays = delays  # type: ignore[attr-defined]
        yield mi


def timeout(request: httpx.Request) -> Exception:
    return httpx.ReadTimeout("read timed out", request=request)


# ---- MIClient ---------------------------------------------------------------------------------

async def test_call_returns_records_with_values_trimmed(client: MIClient, fake: FakeM3) -> None:
    fake.script("CRS610MI/GetBasicData", ok("GetBasicData", {"CUNO": "100002    ", "CUNM": "Kunde AS  "}))
    assert await client.call("CRS610MI", "GetBasicData", {"CUNO": "100002"}) == [{"CUNO": "100002", "CUNM": "Kunde AS"}]
    assert fake.calls[0][1] == {"CUNO": "100002"}


async def test_error_inside_http_200_is_permanent_with_code_and_field(client: MIClient, fake: FakeM3) -> None:
    fake.script("CRS610MI/GetBasicData", nok("GetBasicData", "Customer number 999 does not exist", "XRE0104", "CUNO"))
    with pytest.raises(M3PermanentError) as err:
        await client.call("CRS610MI", "GetBasicData", {"CUNO": "999"})
    assert (err.value.code, err.value.field, err.value.message) == ("XRE0104", "CUNO", "Customer number 999 does not exist")
    assert "CRS610MI/GetBasicData" in str(err.value)


async def test_bulk_checks_every_result_including_missing_ones(client: MIClient, fake: FakeM3) -> None:
    fake.script("bulk:EXT100MI", {
        "results": [{"transaction": "AddCaseInfo", "records": []},
                    {"transaction": "AddCaseInfo", "errorMessage": "Information category 999 already exists",
                     "errorType": "ServerReturnedNOK", "errorCode": "XRE0103", "errorField": "SEXN"}],
        "wasTerminated": True, "nrOfSuccessfullTransactions": 1, "nrOfFailedTransactions": 1})
    items = [("AddCaseInfo", {"SEXN": str(n), "SEXI": "1"}) for n in (997, 999, 998)]
    results = await client.execute("EXT100MI", items)
    assert [r.ok for r in results] == [True, False, False]
    assert results[1].error_code == "XRE0103" and results[1].error_field == "SEXN"
    assert "terminated" in results[2].error_message


async def test_execute_many_groups_per_program_and_keeps_order(client: MIClient, fake: FakeM3) -> None:
    fake.script("bulk:CRS610MI", lambda req: {"results": [{"transaction": t["transaction"], "records": [{"P": "CRS"}]}
                                                          for t in json.loads(req.content)["transactions"]]})
    fake.script("bulk:ARS200MI", ok("GetInvTotInfo", {"P": "ARS"}))
    results = await client.execute_many([("CRS610MI", "GetBasicData", {}), ("ARS200MI", "GetInvTotInfo", {}),
                                         ("CRS610MI", "GetFinancial", {})])
    assert [r.records[0]["P"] for r in results] == ["CRS", "ARS", "CRS"]
    assert sorted(fake.keys()) == ["bulk:ARS200MI", "bulk:CRS610MI"]


async def test_401_drops_token_fetches_a_new_one_and_succeeds(client: MIClient, fake: FakeM3) -> None:
    await client.call("ARS200MI", "LstInvByDivi", {"DIVI": "001"})
    fake.revoke()
    await client.call("ARS200MI", "LstInvByDivi", {"DIVI": "001"})
    assert fake.issued == 2 and len(fake.calls) == 2


async def test_a_fresh_token_refused_again_is_an_auth_error(client: MIClient, fake: FakeM3) -> None:
    fake.script("ARS200MI/LstInvByDivi", httpx.Response(401, json={"error": "invalid_token"}))
    fake.valid = _NeverValid()
    with pytest.raises(M3AuthError):
        await client.call("ARS200MI", "LstInvByDivi", {"DIVI": "001"})
    assert fake.issued == 2


class _NeverValid(set):
    def __contains__(self, item: object) -> bool:
        return False


async def test_429_and_5xx_are_retried_with_growing_backoff(client: MIClient, fake: FakeM3) -> None:
    fake.script("ARS200MI/LstInvByDivi", httpx.Response(429, headers={"Retry-After": "0"}), httpx.Response(502),
                httpx.Response(503), ok("LstInvByDivi", {"CINO": "1"}))
    assert await client.call("ARS200MI", "LstInvByDivi", {"DIVI": "001"}) == [{"CINO": "1"}]
    delays = client.delays  # type: ignore[attr-defined]
    assert len(delays) == 3 and all(0 < d <= 0.1 * 2 ** i for i, d in enumerate(delays))


async def test_retries_exhausted_raise_a_transient_error(client: MIClient, fake: FakeM3) -> None:
    fake.script("ARS200MI/LstInvByDivi", httpx.Response(503))
    with pytest.raises(M3TransientError) as err:
        await client.call("ARS200MI", "LstInvByDivi", {"DIVI": "001"})
    assert err.value.attempts == 4 and not err.value.uncertain and len(fake.calls) == 4


async def test_timeout_of_a_read_is_retried(client: MIClient, fake: FakeM3) -> None:
    fake.script("ARS200MI/LstInvByDivi", timeout, ok("LstInvByDivi"))
    assert await client.call("ARS200MI", "LstInvByDivi", {"DIVI": "001"}) == []


async def test_timeout_of_a_non_idempotent_write_is_uncertain_and_not_repeated(client: MIClient, fake: FakeM3) -> None:
    fake.script("ABS100MI/AddStatmtHead", timeout, ok("AddStatmtHead"))
    with pytest.raises(M3TransientError) as err:
        await client.call("ABS100MI", "AddStatmtHead", {"XREF": "S1/001"}, idempotent=False)
    assert err.value.uncertain and len(fake.calls) == 1


async def test_connection_refused_before_sending_a_write_is_retried(client: MIClient, fake: FakeM3) -> None:
    fake.script("ABS100MI/AddStatmtHead", lambda r: httpx.ConnectError("refused", request=r),
                ok("AddStatmtHead", {"JBNO": "1"}))
    assert await client.call("ABS100MI", "AddStatmtHead", {}, idempotent=False) == [{"JBNO": "1"}]


async def test_other_4xx_is_permanent(client: MIClient, fake: FakeM3) -> None:
    fake.script("ARS200MI/LstInvByDivi", httpx.Response(403, json={"error": "access_denied"}))
    with pytest.raises(M3PermanentError) as err:
        await client.call("ARS200MI", "LstInvByDivi", {})
    assert err.value.status == 403 and len(fake.calls) == 1


# ---- M3Writer ---------------------------------------------------------------------------------

STATEMENT = Statement("INTRUM:S-2026-03-11", "100", "001", "INTRUM", date(2026, 3, 11), "NOK", (
    StatementLine(Decimal("3968.16"), "100002", line_details(
        invoice="252005046", year=2025, kid="2520050465", principal=Decimal("4046.00"),
        interest=Decimal("147.16"), fee_vat_base=Decimal("900.00"), fee_vat=Decimal("225.00"))),))
HEAD = {"JBNO": "00000042", "JBDT": "20260311", "JBTM": "101500", "XREF": "INTRUM:S-2026-03-11/001"}


def bulk_ok(request: httpx.Request) -> dict[str, Any]:
    txs = json.loads(request.content)["transactions"]
    return {"results": [{"transaction": t["transaction"], "records": []} for t in txs], "wasTerminated": False,
            "nrOfSuccessfullTransactions": len(txs), "nrOfFailedTransactions": 0}


def statement_flow(fake: FakeM3, *heads: Reply, lookups: tuple[Reply, ...]) -> None:
    fake.script("ABS100MI/LstStatmtHead", *lookups)
    fake.script("ABS100MI/AddStatmtHead", *heads)
    fake.script("bulk:ABS100MI", bulk_ok)
    fake.script("ABS100MI/ValidateStatmt", ok("ValidateStatmt", {"JBNO": HEAD["JBNO"], "STAT": "90"}))


async def test_statement_timeout_then_lookup_finds_it_so_no_second_post(client: MIClient, fake: FakeM3) -> None:
    statement_flow(fake, timeout, lookups=(ok("LstStatmtHead"), ok("LstStatmtHead", {**HEAD, "STAT": "10"})))
    outcome = await M3Writer(client).post_statement(STATEMENT)
    assert outcome.ok and outcome.references["JBNO"] == "00000042"
    assert fake.keys().count("ABS100MI/AddStatmtHead") == 1
    lines = fake.calls[fake.keys().index("bulk:ABS100MI")][1]["transactions"]
    assert [t["record"]["BLTT"] for t in lines if t["transaction"] == "AddStatmtDetail"] == \
        ["INV", "INTEREST", "FEEVAT", "VATBASE", "VATBASEO"]
    assert [t["record"]["BLNF"] for t in lines[1:]] == ["4046.00", "147.16", "-225.00", "-900.00", "900.00"]
    assert lines[0]["record"]["BLLF"] == "3968.16"


async def test_statement_timeout_and_lookup_empty_retries_the_head_once(client: MIClient, fake: FakeM3) -> None:
    statement_flow(fake, timeout, ok("AddStatmtHead", HEAD), lookups=(ok("LstStatmtHead"),))
    outcome = await M3Writer(client).post_statement(STATEMENT)
    assert outcome.ok and fake.keys().count("ABS100MI/AddStatmtHead") == 2
    assert fake.keys()[-1] == "ABS100MI/ValidateStatmt"


async def test_statement_head_already_exists_counts_as_success(client: MIClient, fake: FakeM3) -> None:
    statement_flow(fake, nok("AddStatmtHead", "Statement with external reference INTRUM:S-2026-03-11/001 already exists",
                             "XRE0103", "XREF"),
                   lookups=(ok("LstStatmtHead"), ok("LstStatmtHead", {**HEAD, "STAT": "10"})))
    outcome = await M3Writer(client).post_statement(STATEMENT)
    assert outcome.ok and outcome.references["JBNO"] == "00000042"


async def test_statement_already_posted_sends_nothing_more(client: MIClient, fake: FakeM3) -> None:
    statement_flow(fake, ok("AddStatmtHead", HEAD), lookups=(ok("LstStatmtHead", {**HEAD, "STAT": "90"}),))
    outcome = await M3Writer(client).post_statement(STATEMENT)
    assert outcome.ok and outcome.references["already_posted"] == "true"
    assert fake.keys() == ["ABS100MI/LstStatmtHead"]


async def test_repeated_lines_are_already_there_and_validation_of_posted_is_success(client: MIClient, fake: FakeM3) -> None:
    statement_flow(fake, ok("AddStatmtHead", HEAD),
                   lookups=(ok("LstStatmtHead"), ok("LstStatmtHead", {**HEAD, "STAT": "90"})))
    fake.script("bulk:ABS100MI", lambda r: {"results": [
        {"transaction": t["transaction"], "errorMessage": "Statement line 1 already exists", "errorCode": "XRE0103"}
        for t in json.loads(r.content)["transactions"]]})
    fake.script("ABS100MI/ValidateStatmt", timeout, nok("ValidateStatmt", "Statement 00000042 is already posted", "XIN0001"))
    assert (await M3Writer(client).post_statement(STATEMENT)).ok


async def test_inconsistent_statement_is_refused_before_anything_is_sent(client: MIClient, fake: FakeM3) -> None:
    bad = Statement("S1", "100", "001", "INTRUM", date(2026, 3, 11), "NOK",
                    (StatementLine(Decimal("100.00"), "1", line_details(invoice="1", year=2025, principal=Decimal("90"))),))
    outcome = await M3Writer(client).post_statement(bad)
    assert not outcome.ok and outcome.permanent and "sum to 90" in outcome.detail
    assert fake.calls == []


async def test_statement_transient_when_m3_stays_down(client: MIClient, fake: FakeM3) -> None:
    fake.script("ABS100MI/LstStatmtHead", httpx.Response(503))
    outcome = await M3Writer(client).post_statement(STATEMENT)
    assert not outcome.ok and not outcome.permanent and "503" in outcome.detail


async def test_case_info_reads_first_and_only_writes_the_difference(client: MIClient, fake: FakeM3) -> None:
    current = {"998": "13563917", "999": "13563917"}

    def listing(_: httpx.Request) -> dict[str, Any]:
        return {"results": [{"transaction": "LstCaseInfo", "records": [{"SEXN": k, "SEXI": v} for k, v in current.items()]}]}

    def add(request: httpx.Request) -> dict[str, Any]:
        current[request.url.params["SEXN"]] = request.url.params["SEXI"]
        return ok("AddCaseInfo")

    def delete(request: httpx.Request) -> dict[str, Any]:
        current.pop(request.url.params["SEXN"])
        return ok("DltCaseInfo")

    fake.script("EXT100MI/LstCaseInfo", listing)
    fake.script("EXT100MI/AddCaseInfo", add)
    fake.script("EXT100MI/DltCaseInfo", delete)
    writer = M3Writer(client)
    assert (await writer.set_case_info("100", "001", "252005046", 2025, {998: "13563917", 999: "13563917"}, [])).ok
    assert "EXT100MI/AddCaseInfo" not in fake.keys()
    assert (await writer.set_case_info("100", "001", "252005046", 2025, {997: "13563917"}, [998])).ok
    assert current == {"997": "13563917", "999": "13563917"}
    add_calls = [r for k, r in fake.calls if k == "EXT100MI/AddCaseInfo"]
    assert add_calls == [{"CONO": "100", "DIVI": "001", "CINO": "252005046", "INYR": "2025", "SEXN": "997", "SEXI": "13563917"}]


async def test_reminder_stop_sends_set_to_value_fields(client: MIClient, fake: FakeM3) -> None:
    writer = M3Writer(client)
    assert (await writer.set_reminder_stop("100", "001", "252005046", 2025, 1, "INTRUM", date(2026, 2, 20))).ok
    assert (await writer.set_reminder_stop("100", "001", "252005046", 2025, 0, None, None)).ok
    assert [r for _, r in fake.calls] == [
        {"CONO": "100", "DIVI": "001", "CINO": "252005046", "INYR": "2025", "RMBL": "1", "BLBY": "INTRUM", "BLDT": "20260220"},
        {"CONO": "100", "DIVI": "001", "CINO": "252005046", "INYR": "2025", "RMBL": "0", "BLBY": "", "BLDT": "0"}]


async def test_reminder_stop_on_unknown_invoice_is_a_permanent_outcome(client: MIClient, fake: FakeM3) -> None:
    fake.script("EXT100MI/SetRemindStop", nok("SetRemindStop", "Invoice number 1 year 2025 does not exist", field="CINO"))
    outcome = await M3Writer(client).set_reminder_stop("100", "001", "1", 2025, 1, "INTRUM", date(2026, 2, 20))
    assert not outcome.ok and outcome.permanent and "does not exist" in outcome.detail


async def test_custom_transaction_names_are_configurable(client: MIClient, fake: FakeM3) -> None:
    from workers.adapters.m3 import CustomTransactionSet
    writer = M3Writer(client, custom=CustomTransactionSet(program="EXT900MI", set_reminder_stop="UpdRmbl"))
    assert (await writer.set_reminder_stop("100", "001", "1", 2025, 3, "SVEA", date(2026, 3, 1))).ok
    assert fake.keys() == ["EXT900MI/UpdRmbl"]


# ---- M3Reader ---------------------------------------------------------------------------------

async def test_customer_merges_basic_and_financial_data(client: MIClient, fake: FakeM3) -> None:
    fake.script("bulk:CRS610MI", {"results": [
        {"transaction": "GetBasicData", "records": [{"CUNO": "200001", "CUNM": "Ola Nordmann", "CUA1": "Storgata 1",
                                                     "CUA2": "", "PONO": "0155", "TOWN": "Oslo", "CSCD": "NO",
                                                     "EMAL": "ola@example.no", "PHNO": "+47 22 00 00 00", "CUTP": "1"}]},
        {"transaction": "GetFinancial", "records": [{"CUNO": "200001", "CORG": "", "PNID": "01017012345",
                                                     "RMCT": "CR1", "CLCD": "1"}]}],
        "wasTerminated": False, "nrOfSuccessfullTransactions": 2, "nrOfFailedTransactions": 0})
    customer = await M3Reader(client, "100").customer("200001")
    assert customer.private and customer.collection_blocked and customer.reminder_rule == "CR1"
    assert customer.national_id == "01017012345" and customer.address.lines == ("Storgata 1",)
    assert "01017012345" not in repr(customer) and "ola@example.no" not in repr(customer)


async def test_unknown_customer_is_permanent(client: MIClient, fake: FakeM3) -> None:
    fake.script("bulk:CRS610MI", {"results": [
        {"transaction": "GetBasicData", "errorMessage": "Customer number 9 does not exist", "errorCode": "XRE0104"},
        {"transaction": "GetFinancial", "errorMessage": "Customer number 9 does not exist", "errorCode": "XRE0104"}]})
    with pytest.raises(M3PermanentError, match="does not exist"):
        await M3Reader(client, "100").customer("9")


async def test_invoice_totals_and_listing_ask_for_all_records(client: MIClient, fake: FakeM3) -> None:
    fake.script("ARS200MI/GetInvTotInfo", ok("GetInvTotInfo", {"CUCD": "NOK", "CUAM": "4046.00", "PAAM": "150.00", "OCUA": "3896.00"}))
    totals = await M3Reader(client, "100").invoice_totals("001", "252005046", 2025)
    assert (totals.amount, totals.paid, totals.open_amount) == (Decimal("4046.00"), Decimal("150.00"), Decimal("3896.00"))
    await M3Reader(client, "100").list_invoices("001", open_only=True)
    assert fake.calls[-1][1] == {"CONO": "100", "DIVI": "001", "OPEN": "1", "maxrecs": "0"}


def test_a_record_lock_inside_200_is_transient_and_other_errors_stay_permanent() -> None:
    from workers.adapters.m3 import M3PermanentError, M3RecordLocked, M3TransientError
    from workers.adapters.m3.mi_results import parse_results

    locked, wrong = parse_results({"results": [
        {"transaction": "SetRemindStop", "errorMessage": "Record is being changed by another job, try again later",
         "errorCode": "XLK0001"},
        {"transaction": "SetRemindStop", "errorMessage": "Invoice number 1 does not exist", "errorCode": "WCI0103"},
    ]}, "EXT100MI", ["SetRemindStop", "SetRemindStop"])
    busy = locked.error("EXT100MI")
    assert isinstance(busy, M3RecordLocked) and isinstance(busy, M3TransientError) and not busy.uncertain
    assert "XLK0001" in str(busy)
    assert isinstance(wrong.error("EXT100MI"), M3PermanentError)
