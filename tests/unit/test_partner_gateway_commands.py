"""Partner gateway: each command becomes the right partner call, each answer the right message."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from contracts import Envelope, derived_event_id, new_message
from workers.adapters.partner import (
    ActionResult,
    CaseDetails,
    PartnerRequestError,
    PartnerRestClient,
    PartnerUnavailable,
    RegistrationResult,
    RetryPolicy,
)
from workers.adapters.partner.models import CloseRequestRecord, PostingRecord
from workers.infra.health import WorkerHealth
from workers.partner_gateway.command_runner import CommandRunner
from workers.partner_gateway.commands import perform, to_registration
from workers.partner_gateway.connection import UnknownPartner
from workers.partner_gateway.options import GatewayOptions

CASE = "100/001/252005046/2025"


def register_command(**changes: Any) -> Envelope:
    payload = {
        "partner": "INTRUM", "our_reference": CASE, "partner_customer_no": "K84307", "customer": "100002",
        "invoice": "252005046", "invoice_date": date(2025, 12, 10), "due_date": date(2025, 12, 24),
        "original_amount": "4046.00", "open_amount": "3896.00", "currency": "NOK", "kid": "2520050465",
        "reminders_sent": 2, "last_reminder_date": date(2026, 1, 21),
        "debtor": {"name": "Kunde AS", "org_no": "923609016", "private": False, "collection_blocked": False,
                   "phone": "+47 22 00 00 00",
                   "address": {"line1": "Storgata 1", "postcode": "0155", "city": "Oslo", "country": "NO"}},
        **changes,
    }
    return new_message("partner.register_case", payload, source="case-processor")


def forward_command(kind: str = "credit", case_no: str | None = None) -> Envelope:
    return new_message("partner.forward_payment", {
        "partner": "INTRUM", "our_reference": CASE, "case_no": case_no, "kind": kind, "amount": "50.00",
        "posting_id": "AB10-001/4711", "booking_date": date(2026, 3, 2)}, source="case-processor")


def close_command() -> Envelope:
    return new_message("partner.request_close", {"partner": "INTRUM", "our_reference": CASE,
                                                 "reason": "open amount is zero"}, source="case-processor")


def held_case(**changes: Any) -> CaseDetails:
    return CaseDetails(**{"partner_case_id": "INT-000001", "case_no": None, "reference": CASE,
                          "raw_status": "REGISTRERT", "status": "registered", "balance": Decimal("4046.00"),
                          **changes})


class FakePartner(PartnerRestClient):
    """The adapter's interface, answering from memory and recording every call."""

    def __init__(self, cases: list[CaseDetails] | None = None, result: Any = None, failures: int = 0) -> None:
        self.partner = "INTRUM"
        self.cases = cases or []
        self.result = result
        self.failures = failures
        self.calls: list[tuple[str, Any]] = []

    def _maybe_fail(self) -> None:
        if self.failures:
            self.failures -= 1
            raise PartnerUnavailable("GET /cases failed after 5 attempts (HTTP 503)")

    async def find_cases(self, reference: str, *, attempts: int | None = None) -> list[CaseDetails]:
        self.calls.append(("find_cases", reference))
        self._maybe_fail()
        return [c for c in self.cases if c.reference == reference]

    async def case_details(self, *, case_no: str | None = None, reference: str | None = None,
                           attempts: int | None = None) -> CaseDetails | None:
        self.calls.append(("case_details", case_no))
        return next((c for c in self.cases if c.case_no == case_no), None)

    async def register_case(self, registration: Any) -> RegistrationResult:
        self.calls.append(("register_case", registration))
        if isinstance(self.result, Exception):
            raise self.result
        return self.result or RegistrationResult(accepted=True)

    async def forward_payment(self, **call: Any) -> ActionResult:
        self.calls.append(("forward_payment", call))
        if isinstance(self.result, Exception):
            raise self.result
        return self.result or ActionResult(accepted=True)

    async def request_close(self, **call: Any) -> ActionResult:
        self.calls.append(("request_close", call))
        return self.result or ActionResult(accepted=True)


def test_registration_sends_what_the_partner_needs_and_nothing_more():
    registration = to_registration(register_command().payload)
    assert registration.reference == CASE and registration.creditor_customer_no == "K84307"
    assert registration.debtor.type == "business" and registration.debtor.org_no == "923609016"
    assert registration.debtor.customer_no == "100002"
    assert registration.invoice.original_amount == Decimal("4046.00")
    assert registration.invoice.open_amount == Decimal("3896.00")
    assert "+47" not in registration.model_dump_json()


async def test_registration_looks_first_and_an_accepted_case_without_number_publishes_nothing():
    partner = FakePartner()
    handled = await perform(partner, register_command())
    assert [name for name, _ in partner.calls] == ["find_cases", "register_case"]
    assert handled.outcome == "registered" and handled.outputs == []


async def test_a_case_number_at_once_is_a_receipt_with_a_derived_id():
    command = register_command()
    handled = await perform(FakePartner(result=RegistrationResult(accepted=True, case_no="13563917")), command)
    (receipt,) = handled.outputs
    assert receipt.type == "partner.registration_accepted" and receipt.case_id == CASE
    assert (receipt.payload.case_no, receipt.payload.our_reference) == ("13563917", CASE)
    assert receipt.event_id == derived_event_id(command.event_id, "receipt")
    assert receipt.causation_id == command.event_id


async def test_a_refusal_is_a_rejection_with_the_partners_reason():
    command = register_command()
    refusal = RegistrationResult(accepted=False, reason="debtor.org_no: org_no is required for business debtors")
    (rejected,) = (await perform(FakePartner(result=refusal), command)).outputs
    assert rejected.type == "partner.registration_rejected" and rejected.case_id == CASE
    assert rejected.payload.reason == refusal.reason
    assert rejected.event_id == derived_event_id(command.event_id, "rejection")


async def test_a_case_the_partner_already_holds_is_never_registered_twice():
    partner = FakePartner([held_case(case_no="13563917", raw_status="MOTTATT", status="acknowledged")])
    handled = await perform(partner, register_command())
    assert [name for name, _ in partner.calls] == ["find_cases"]
    assert handled.outputs[0].payload.case_no == "13563917"
    rejected = FakePartner([held_case(raw_status="AVVIST", status="rejected", rejection_reason="deceased")])
    assert (await perform(rejected, register_command())).outputs[0].payload.reason == "deceased"


async def test_a_credit_note_is_forwarded_as_a_magnitude_with_its_posting_id():
    partner = FakePartner([held_case()])
    handled = await perform(partner, forward_command("credit"))
    name, call = partner.calls[-1]
    assert name == "forward_payment" and handled.outcome == "forwarded"
    assert call == {"reference": CASE, "kind": "credit", "amount": Decimal("50.00"), "posting_id": "AB10-001/4711",
                    "case_no": None, "booking_date": date(2026, 3, 2)}


async def test_a_posting_the_partner_already_has_is_not_sent_again():
    booked = held_case(case_no="13563917", credits=(PostingRecord(posting_id="AB10-001/4711", amount="50.00"),))
    partner = FakePartner([booked])
    handled = await perform(partner, forward_command("credit", case_no="13563917"))
    assert handled.outcome == "already_forwarded"
    assert [name for name, _ in partner.calls] == ["case_details"]


async def test_a_close_request_carries_the_command_id_as_request_id():
    command = close_command()
    partner = FakePartner([held_case()])
    await perform(partner, command)
    assert partner.calls[-1] == ("request_close", {"reference": CASE, "reason": "open amount is zero",
                                                   "request_id": str(command.event_id), "case_no": None})
    partner.cases = [held_case(close_requests=(CloseRequestRecord(request_id=str(command.event_id), reason="x"),))]
    assert (await perform(partner, command)).outcome == "already_requested"


class FakeClients:
    def __init__(self, partner: FakePartner | None) -> None:
        self.partner = partner

    def get(self, partner: str) -> FakePartner:
        if self.partner is None:
            raise UnknownPartner(f"unknown partner {partner!r}: not in the configuration and not in partner_urls")
        return self.partner


class FakePublisher:
    def __init__(self) -> None:
        self.sent: list[tuple[str, Envelope]] = []

    async def publish(self, messages: list[tuple[str, Envelope]]) -> None:
        self.sent.extend(messages)


def runner(partner: FakePartner | None) -> tuple[CommandRunner, FakePublisher, WorkerHealth]:
    options = GatewayOptions(command_retry=RetryPolicy(base_delay_s=0.001, max_delay_s=0.001))
    publisher, health = FakePublisher(), WorkerHealth("partner-gateway")
    return CommandRunner(FakeClients(partner), publisher, health, options), publisher, health  # type: ignore[arg-type]


async def test_an_unknown_partner_rejects_a_registration_and_only_counts_anything_else():
    gateway, publisher, health = runner(None)
    await gateway.run(register_command(partner="KREDINOR"))
    (topic, rejected), = publisher.sent
    assert topic == "partner.case-status" and rejected.type == "partner.registration_rejected"
    assert "unknown partner 'KREDINOR'" in rejected.payload.reason
    assert (await gateway.run(forward_command())).outcome == "unknown_partner"
    assert len(publisher.sent) == 1 and health.counters["command_unknown_partner"] == 1


async def test_an_unavailable_partner_is_waited_out_and_the_retry_looks_first():
    partner = FakePartner(failures=2)
    gateway, publisher, health = runner(partner)
    handled = await gateway.run(register_command())
    assert handled.outcome == "registered" and health.counters["retries"] == 2
    assert health.retrying == 0 and health.in_flight == 0
    assert [name for name, _ in partner.calls] == ["find_cases", "find_cases", "find_cases", "register_case"]


@pytest.mark.parametrize("command, outcome", [(register_command, "rejected"), (forward_command, "failed")])
async def test_a_4xx_the_partner_will_repeat_is_permanent(command, outcome):
    gateway, publisher, _ = runner(FakePartner(result=PartnerRequestError(403, "forbidden")))
    handled = await gateway.run(command())
    assert handled.outcome == outcome and "403" in (handled.reason or "")
    assert len(publisher.sent) == (1 if outcome == "rejected" else 0)
