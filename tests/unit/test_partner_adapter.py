"""The partner REST client against scripted HTTP answers (httpx.MockTransport).

The point of most of these tests is the at-most-once rule: after an answer is lost the client
looks before it re-sends, and it never turns a lost answer into a second case or payment.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal

import httpx
import pytest

from workers.adapters.partner import (
    ApiKeyAuth,
    AuthenticationFailed,
    CaseRegistration,
    ClientCredentialsAuth,
    PartnerRestClient,
    PartnerUnavailable,
    RetryPolicy,
    SecretRef,
    StatusMapping,
)

BASE = "https://partner.test/INTRUM/api/v1"
REFERENCE = "100/001/252005046/2025"


def registration() -> CaseRegistration:
    return CaseRegistration.model_validate(
        {
            "reference": REFERENCE,
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
                "number": "252005046",
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


def case(case_no: str | None = None, status: str = "REGISTRERT", **extra: object) -> dict:
    return {
        "id": "INT-000001",
        "case_no": case_no,
        "reference": REFERENCE,
        "status": status,
        "sub_status": None,
        "balance": "4046.00",
        "payments": [],
        "credit_notes": [],
        "close_requests": [],
        "history": [{"status": status, "sub_status": None, "occurred_at": "2026-02-21T10:00:00+00:00"}],
        "rejection_reason": None,
        **extra,
    }


class Script:
    """Answers requests from a list of (method, path-suffix, response-or-exception) in order."""

    def __init__(self, *steps: tuple[str, str, object]) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        assert self.steps, f"unexpected {request.method} {request.url}"
        method, suffix, answer = self.steps.pop(0)
        assert request.method == method and request.url.path.endswith(suffix), (
            f"expected {method} …{suffix}, got {request.method} {request.url.path}"
        )
        if isinstance(answer, Exception):
            raise answer
        return answer  # type: ignore[return-value]

    def count(self, method: str) -> int:
        return sum(1 for r in self.requests if r.method == method)


def answer(status: int, body: object = None, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_client(monkeypatch, sleeps) -> Callable[..., PartnerRestClient]:
    monkeypatch.setenv("TEST_PARTNER_API_KEY", "k-123")

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    def build(script: Script, auth=None, mapping=None) -> PartnerRestClient:
        return PartnerRestClient(
            "INTRUM",
            BASE,
            auth or ApiKeyAuth(SecretRef(env="TEST_PARTNER_API_KEY")),
            mapping,
            transport=httpx.MockTransport(script),
            retry=RetryPolicy(max_attempts=4, base_delay_s=0.01, max_delay_s=0.05),
            sleep=fake_sleep,
        )

    return build


def timeout() -> httpx.ReadTimeout:
    return httpx.ReadTimeout("read timed out")


# -- registration ------------------------------------------------------------------------


async def test_201_is_accepted_and_sends_the_api_key_and_decimal_strings(make_client):
    script = Script(("POST", "/cases", answer(201, case())))
    result = await make_client(script).register_case(registration())
    assert result.accepted and result.case_no is None and not result.already_existed
    sent = script.requests[0]
    assert sent.headers["X-Api-Key"] == "k-123"
    body = json.loads(sent.content)
    assert body["invoice"]["open_amount"] == "4046.00"
    assert "national_id" not in body["debtor"] and "line2" not in body["debtor"]["address"]


async def test_201_with_a_case_number_returns_it(make_client):
    script = Script(("POST", "/cases", answer(201, case("13563917", "MOTTATT"))))
    assert (await make_client(script).register_case(registration())).case_no == "13563917"


async def test_409_for_our_reference_is_success_with_the_existing_case_number(make_client):
    script = Script(
        ("POST", "/cases", answer(409, {"error": "duplicate_reference", "case": case("13563917", "INKASSO")}))
    )
    result = await make_client(script).register_case(registration())
    assert result.accepted and result.already_existed and result.case_no == "13563917"


async def test_409_for_a_rejected_registration_stays_a_rejection(make_client):
    existing = case(None, "AVVIST", rejection_reason="debtor is deceased")
    script = Script(("POST", "/cases", answer(409, {"error": "duplicate_reference", "case": existing})))
    result = await make_client(script).register_case(registration())
    assert not result.accepted and result.already_existed and result.reason == "debtor is deceased"


@pytest.mark.parametrize("status", [400, 422])
async def test_permanent_4xx_is_a_rejection_with_the_partners_reasons(make_client, status):
    reasons = ["debtor: org_no is required for business debtors", "invoice.kid: invalid"]
    script = Script(("POST", "/cases", answer(status, {"error": "validation_failed", "reasons": reasons})))
    result = await make_client(script).register_case(registration())
    assert not result.accepted
    assert result.reason == "; ".join(reasons)
    assert script.count("POST") == 1


async def test_503_is_retried_without_a_lookup_then_succeeds(make_client, sleeps):
    script = Script(
        ("POST", "/cases", answer(503, {"error": "unavailable"}, {"Retry-After": "0.02"})),
        ("POST", "/cases", answer(201, case())),
    )
    result = await make_client(script).register_case(registration())
    assert result.accepted and script.count("GET") == 0
    assert sleeps and sleeps[0] >= 0.02


async def test_500_is_uncertain_so_the_client_looks_before_resending(make_client):
    script = Script(
        ("POST", "/cases", answer(500, {"error": "internal"})),
        ("GET", "/cases", answer(200, {"cases": []})),
        ("POST", "/cases", answer(201, case())),
    )
    assert (await make_client(script).register_case(registration())).accepted
    assert script.requests[1].url.params["reference"] == REFERENCE


async def test_timeout_then_lookup_finds_the_case_so_no_second_post(make_client):
    script = Script(
        ("POST", "/cases", timeout()),
        ("GET", "/cases", answer(200, {"cases": [case("13563917", "MOTTATT")]})),
    )
    result = await make_client(script).register_case(registration())
    assert result.accepted and result.already_existed and result.case_no == "13563917"
    assert script.count("POST") == 1


async def test_timeout_then_lookup_finds_nothing_so_it_resends_once(make_client):
    script = Script(
        ("POST", "/cases", timeout()),
        ("GET", "/cases", answer(200, {"cases": []})),
        ("POST", "/cases", answer(201, case())),
    )
    result = await make_client(script).register_case(registration())
    assert result.accepted and not result.already_existed
    assert script.count("POST") == 2 and not script.steps


async def test_a_failed_lookup_keeps_the_state_uncertain(make_client):
    script = Script(
        ("POST", "/cases", timeout()),
        ("GET", "/cases", answer(502, {})),
        ("GET", "/cases", answer(200, {"cases": [case()]})),
    )
    result = await make_client(script).register_case(registration())
    assert result.already_existed and script.count("POST") == 1


async def test_connect_error_is_resent_without_a_lookup(make_client):
    script = Script(
        ("POST", "/cases", httpx.ConnectError("refused")),
        ("POST", "/cases", answer(201, case())),
    )
    assert (await make_client(script).register_case(registration())).accepted
    assert script.count("GET") == 0


async def test_retries_are_bounded(make_client, sleeps):
    script = Script(*[("POST", "/cases", answer(503, {}))] * 4)
    with pytest.raises(PartnerUnavailable, match="4 attempts"):
        await make_client(script).register_case(registration())
    assert len(sleeps) == 3 and all(s <= 0.05 for s in sleeps)


# -- authentication ----------------------------------------------------------------------


async def test_expired_token_is_refreshed_once_and_the_request_resent(make_client, monkeypatch):
    monkeypatch.setenv("TEST_CLIENT_SECRET", "s3cret")
    token = "https://partner.test/INTRUM/oauth/token"
    script = Script(
        ("POST", "/oauth/token", answer(200, {"access_token": "t1", "expires_in": 3600})),
        ("POST", "/cases", answer(401, {"error": "invalid_token"})),
        ("POST", "/oauth/token", answer(200, {"access_token": "t2", "expires_in": 3600})),
        ("POST", "/cases", answer(201, case())),
    )
    auth = ClientCredentialsAuth(token, "intrum-client", SecretRef(env="TEST_CLIENT_SECRET"))
    assert (await make_client(script, auth=auth).register_case(registration())).accepted
    assert script.requests[3].headers["Authorization"] == "Bearer t2"
    assert script.requests[0].headers["Authorization"].startswith("Basic ")


async def test_a_refused_api_key_is_a_configuration_error(make_client):
    script = Script(("POST", "/cases", answer(401, {"error": "invalid_token"})))
    with pytest.raises(AuthenticationFailed):
        await make_client(script).register_case(registration())


# -- payments, credit notes, close requests ---------------------------------------------


async def test_payment_and_credit_note_use_the_partners_signs(make_client):
    script = Script(
        ("POST", "/cases/13563917/payments", answer(201, {"posting": {}})),
        ("POST", "/cases/13563917/credit-notes", answer(201, {"posting": {}})),
    )
    client = make_client(script)
    paid = await client.forward_payment(
        reference=REFERENCE, case_no="13563917", kind="payment", amount=Decimal("100.00"), posting_id="P1"
    )
    credited = await client.forward_payment(
        reference=REFERENCE, case_no="13563917", kind="credit", amount=Decimal("50.00"), posting_id="C1"
    )
    assert paid.accepted and credited.accepted
    assert json.loads(script.requests[0].content)["amount"] == "100.00"
    assert json.loads(script.requests[1].content) == {"posting_id": "C1", "amount": "-50.00"}


async def test_payment_timeout_then_case_shows_the_posting_so_no_second_post(make_client):
    recorded = case("13563917", "INKASSO", payments=[{"posting_id": "P1", "amount": "100.00"}])
    script = Script(
        ("POST", "/cases/13563917/payments", timeout()),
        ("GET", "/cases/13563917", answer(200, recorded)),
    )
    result = await make_client(script).forward_payment(
        reference=REFERENCE, case_no="13563917", kind="payment", amount=Decimal("100.00"), posting_id="P1"
    )
    assert result.accepted and result.already_existed and script.count("POST") == 1


async def test_credit_timeout_with_no_trace_is_resent_once(make_client):
    script = Script(
        ("POST", "/cases/13563917/credit-notes", timeout()),
        ("GET", "/cases/13563917", answer(200, case("13563917", "INKASSO"))),
        ("POST", "/cases/13563917/credit-notes", answer(201, {"posting": {}})),
    )
    result = await make_client(script).forward_payment(
        reference=REFERENCE, case_no="13563917", kind="credit", amount=Decimal("50.00"), posting_id="C1"
    )
    assert result.accepted and not result.already_existed and script.count("POST") == 2


async def test_repeated_posting_409_is_success(make_client):
    script = Script(("POST", "/cases/13563917/payments", answer(409, {"error": "duplicate_posting"})))
    result = await make_client(script).forward_payment(
        reference=REFERENCE, case_no="13563917", kind="payment", amount=Decimal("1.00"), posting_id="P1"
    )
    assert result.accepted and result.already_existed


async def test_payment_without_case_number_goes_by_reference(make_client):
    script = Script(("POST", "/api/v1/payments", answer(201, {"posting": {}})))
    await make_client(script).forward_payment(
        reference=REFERENCE, kind="payment", amount=Decimal("10.00"), posting_id="P9"
    )
    assert json.loads(script.requests[0].content)["reference"] == REFERENCE


async def test_payment_refused_on_a_closed_case_is_a_result_not_an_exception(make_client):
    script = Script(
        ("POST", "/cases/1/payments", answer(422, {"error": "refused", "message": "case 1 is closed"}))
    )
    result = await make_client(script).forward_payment(
        reference=REFERENCE, case_no="1", kind="payment", amount=Decimal("1.00"), posting_id="P1"
    )
    assert not result.accepted and result.reason == "case 1 is closed"


async def test_non_positive_forward_amount_is_a_bug(make_client):
    with pytest.raises(ValueError):
        await make_client(Script()).forward_payment(
            reference=REFERENCE, case_no="1", kind="credit", amount=Decimal("-5"), posting_id="C1"
        )


async def test_close_request_after_lost_answer_is_found_by_request_id(make_client):
    recorded = case("13563917", "INKASSO", close_requests=[{"request_id": "cmd-1", "reason": "paid"}])
    script = Script(
        ("POST", "/cases/13563917/close-requests", answer(500, {})),
        ("GET", "/cases/13563917", answer(200, recorded)),
    )
    result = await make_client(script).request_close(
        reference=REFERENCE, case_no="13563917", reason="paid", request_id="cmd-1"
    )
    assert result.accepted and result.already_existed and script.count("POST") == 1


# -- reads -------------------------------------------------------------------------------


async def test_status_changes_map_raw_words_and_flag_unmapped_ones(make_client):
    page1 = {
        "events": [
            {
                "event_id": "e1",
                "case_no": "1",
                "reference": REFERENCE,
                "status": "INKASSO",
                "sub_status": "BETALINGSOPPFORDRING",
                "occurred_at": "2026-03-01T10:00:00+00:00",
            }
        ],
        "next_cursor": "1",
        "has_more": True,
    }
    page2 = {
        "events": [
            {
                "event_id": "e2",
                "case_no": "1",
                "reference": REFERENCE,
                "status": "OVERVAAKING",
                "occurred_at": "2026-03-02T10:00:00+00:00",
            }
        ],
        "next_cursor": "2",
        "has_more": False,
    }
    script = Script(
        ("GET", "/status-changes", answer(200, page1)), ("GET", "/status-changes", answer(200, page2))
    )
    events, cursor = await make_client(script).status_changes("0")
    assert [e.status for e in events] == ["collection", None]
    assert events[0].raw_status == "INKASSO" and events[0].sub_status == "BETALINGSOPPFORDRING"
    assert "OVERVAAKING" in (events[1].unmapped or "")
    assert cursor == "2"
    assert script.requests[1].url.params["since"] == "1"


async def test_status_mapping_override_is_used(make_client):
    page = {
        "events": [
            {
                "event_id": "e1",
                "case_no": "1",
                "reference": None,
                "status": "OVERVAAKING",
                "occurred_at": "2026-03-02T10:00:00+00:00",
            }
        ],
        "next_cursor": "1",
    }
    mapping = StatusMapping.default_with({"OVERVAAKING": "closed_unsettled"}, partner="INTRUM")
    events, _ = await make_client(
        Script(("GET", "/status-changes", answer(200, page))), mapping=mapping
    ).status_changes()
    assert events[0].status == "closed_unsettled"


async def test_case_details_show_credits_as_magnitudes(make_client):
    body = case(
        "13563917",
        "INKASSO",
        balance="3896.00",
        payments=[{"posting_id": "P1", "amount": "100.00", "date": "2026-03-01"}],
        credit_notes=[{"posting_id": "C1", "amount": "-50.00", "date": "2026-03-02"}],
    )
    details = await make_client(Script(("GET", "/cases/13563917", answer(200, body)))).case_details(
        case_no="13563917"
    )
    assert details is not None and details.status == "collection"
    assert details.credits[0].amount == Decimal("50.00") and details.balance == Decimal("3896.00")


async def test_unknown_case_number_is_none(make_client):
    script = Script(("GET", "/cases/404", answer(404, {"error": "not_found"})))
    assert await make_client(script).case_details(case_no="404") is None


async def test_settlement_lines_are_exact_decimals_even_from_json_numbers(make_client):
    body = {
        "settlement_id": "S-1",
        "date": "2026-03-11",
        "currency": "NOK",
        "payout_total": "3818.16",
        "created_at": "2026-03-11T12:00:00+00:00",
        "lines": [
            {
                "case_no": "13563917",
                "reference": REFERENCE,
                "principal": "3896.00",
                "interest": 147.16,
                "kickback": "0.00",
                "commission": "0.00",
                "fee_vat_base": "900.00",
                "fee_vat": "225.00",
                "rounding": "-0.01",
                "other": "0.00",
                "payout": "3818.16",
            }
        ],
    }
    settlement = await make_client(Script(("GET", "/settlements/S-1", answer(200, body)))).settlement("S-1")
    line = settlement.lines[0]
    assert line.interest == Decimal("147.16") and line.rounding == Decimal("-0.01")
    assert settlement.payout_total == Decimal("3818.16")


async def test_settlement_summaries_and_cursor(make_client):
    body = {
        "settlements": [
            {
                "settlement_id": "S-1",
                "date": "2026-03-11",
                "currency": "NOK",
                "payout_total": "3818.16",
                "line_count": 1,
                "created_at": "x",
            }
        ],
        "next_cursor": "1",
        "has_more": False,
    }
    summaries, cursor = await make_client(Script(("GET", "/settlements", answer(200, body)))).settlements()
    assert summaries[0].settlement_id == "S-1" and summaries[0].line_count == 1 and cursor == "1"


def test_models_refuse_float_money():
    data = registration().model_dump()
    data["invoice"]["open_amount"] = 4046.0
    with pytest.raises(ValueError, match="never a float"):
        CaseRegistration.model_validate(data)


def test_debtor_repr_hides_national_id_and_email():
    data = registration().model_dump()
    data["debtor"].update(type="private", org_no=None, national_id="01017012345")
    shown = repr(CaseRegistration.model_validate(data))
    assert "01017012345" not in shown and "post@kunde.example" not in shown
