"""The M3 ingress's HTTP edge without a server: token check, body limits, JSON, canonical payloads."""

from __future__ import annotations

from datetime import date

import pytest

from contracts import InvoiceOverdue, PostingBooked
from workers.infra.settings import load_settings
from workers.m3_ingress.auth import BearerToken, IngressNotConfigured
from workers.m3_ingress.canonical import canonical_payloads
from workers.m3_ingress.http_reception import Rejected, objects_of, parse_json, read_limited
from workers.m3_ingress.poller import poll_divisions

TOKEN = "s3cret-ingress-token"


def overdue(**changes):
    payload = {
        "company": "100", "division": "001", "invoice": "252005046", "year": 2025, "customer": "100002",
        "invoice_date": "2025-12-10", "due_date": "2025-12-24", "amount": "4046.00", "open_amount": "4046.00",
        "currency": "NOK", "reminder_rule": "CR1", "reminders_sent": 2, "last_reminder_date": "2026-01-21",
        "debtor": {"name": "Kunde AS", "org_no": "923609016", "private": False,
                   "address": {"line1": "Storgata 1", "postcode": "0155", "city": "Oslo", "country": "NO"},
                   "collection_blocked": False},
    }
    payload.update(changes)
    return payload


class Chunks:
    def __init__(self, *chunks: bytes) -> None:
        self.chunks = list(chunks)
        self.read = 0

    async def readany(self) -> bytes:
        if not self.chunks:
            return b""
        self.read += 1
        return self.chunks.pop(0)


def test_bearer_token_accepts_only_the_exact_token() -> None:
    token = BearerToken(TOKEN)
    assert token.refusal(f"Bearer {TOKEN}") is None
    assert token.refusal(f"bearer {TOKEN}") is None
    assert token.refusal(None) == "missing Authorization header (expected: Bearer <token>)"
    assert token.refusal(f"Basic {TOKEN}") == "Authorization must use the Bearer scheme"
    assert token.refusal("Bearer ") == "Authorization must use the Bearer scheme"
    assert token.refusal(f"Bearer {TOKEN}x") == "invalid bearer token"
    assert token.refusal(f"Bearer {TOKEN[:-1]}") == "invalid bearer token"
    assert TOKEN not in repr(token)


def test_no_token_configured_refuses_to_start(tmp_path) -> None:
    with pytest.raises(IngressNotConfigured, match="no M3 ingress token configured"):
        BearerToken.from_settings(load_settings(profile="test"))
    with pytest.raises(IngressNotConfigured, match="TOKEN_FILE"):
        BearerToken.from_settings(load_settings(profile="test", m3_ingress_token_file=tmp_path / "absent"))
    (tmp_path / "token").write_text(f"{TOKEN}\n")
    from_file = BearerToken.from_settings(load_settings(profile="test", m3_ingress_token_file=tmp_path / "token"))
    assert from_file.refusal(f"Bearer {TOKEN}") is None


def test_build_refuses_without_token_and_poller_without_ionapi() -> None:
    from workers.m3_ingress.app import build

    with pytest.raises(IngressNotConfigured, match="token"):
        build(load_settings(profile="test"))
    with pytest.raises(IngressNotConfigured, match="IONAPI"):
        build(load_settings(profile="test", m3_ingress_token=TOKEN, m3_poll_interval_s=5))


async def test_body_within_the_limit_is_read_whole() -> None:
    assert await read_limited(Chunks(b"abc", b"def"), limit=6) == b"abcdef"


async def test_body_above_the_limit_is_cut_off_without_reading_on() -> None:
    stream = Chunks(b"abcd", b"efgh", b"ijkl")
    with pytest.raises(Rejected) as refused:
        await read_limited(stream, limit=6)
    assert refused.value.status == 413 and stream.read == 2


@pytest.mark.parametrize("body, reason", [
    (b"", "empty body"),
    (b"{not json", "invalid JSON"),
    (b'{"amount": NaN}', "NaN is not valid JSON"),
    (b"\xff\xfe\x00garbage", "invalid JSON"),
])
def test_invalid_json_is_400_with_the_reason(body: bytes, reason: str) -> None:
    with pytest.raises(Rejected) as refused:
        parse_json(body)
    assert refused.value.status == 400 and reason in refused.value.reason


def test_objects_of_takes_an_object_or_a_list_of_objects() -> None:
    assert objects_of({"a": 1}) == [{"a": 1}]
    assert objects_of([{"a": 1}, {"b": 2}]) == [{"a": 1}, {"b": 2}]
    for bad, reason in (([], "empty list"), ([{"a": 1}, 3], "item [1]"), ("text", "body must be")):
        with pytest.raises(Rejected) as refused:
            objects_of(bad)
        assert refused.value.status == 400 and reason in refused.value.reason


def test_canonical_overdue_is_validated_strictly_with_the_field_path() -> None:
    [payload] = canonical_payloads([overdue()], InvoiceOverdue, "100", listed=False)
    assert payload.due_date == date(2025, 12, 24)
    with pytest.raises(Rejected) as refused:
        canonical_payloads([overdue(), overdue(amount=4046.0, surplus=1)], InvoiceOverdue, "100", listed=True)
    reason = refused.value.reason
    assert refused.value.status == 422 and reason.startswith("invalid ledger.invoice_overdue: [1] ")
    assert "amount: " in reason and "float" in reason and "surplus: Extra inputs" in reason
    with pytest.raises(Rejected, match=r"debtor\.address\.country"):
        canonical_payloads([overdue(debtor={**overdue()["debtor"], "address": {
            "line1": "x", "postcode": "1", "city": "y", "country": "Norway"}})], InvoiceOverdue, "100", listed=False)


def test_canonical_company_defaults_to_the_configured_one() -> None:
    without = overdue()
    del without["company"]
    [payload] = canonical_payloads([without], InvoiceOverdue, "300", listed=False)
    assert payload.company == "300"
    [kept] = canonical_payloads([overdue()], InvoiceOverdue, "300", listed=False)
    assert kept.company == "100"
    with pytest.raises(Rejected, match="company: Field required"):
        canonical_payloads([without], InvoiceOverdue, None, listed=False)


def test_canonical_posting_refuses_a_negative_amount() -> None:
    posting = {"company": "100", "division": "001", "invoice": "252005046", "year": 2025, "kind": "payment",
               "amount": "100.00", "function": "AB10-001", "booking_date": "2026-03-01",
               "open_amount_after": "3946.00", "currency": "NOK", "posting_id": "001/2026/42/1"}
    assert canonical_payloads([posting], PostingBooked, "100", listed=False)[0].kind == "payment"
    with pytest.raises(Rejected, match="amount: amount must not be negative"):
        canonical_payloads([{**posting, "amount": "-100.00"}], PostingBooked, "100", listed=False)


def test_poll_divisions_setting() -> None:
    assert poll_divisions("") == ()
    assert poll_divisions(" 001, 002,,001 ") == ("001", "002")
