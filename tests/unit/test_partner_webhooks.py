"""Webhook signatures (HMAC-SHA256 over "t.body", replay window) and duplicate suppression."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workers.adapters.partner.webhooks import (
    MessageDeduplicator,
    NotificationError,
    SignatureError,
    parse_notification,
    sign,
    verify_signature,
)

SECRET = b"intrum-webhook-secret"
BODY = b'{"message_id":"m1","partner":"INTRUM","type":"case.updated","case_no":"13563917"}'
NOW = 1_770_000_000


def headers_for(body: bytes = BODY, secret: bytes = SECRET, at: int = NOW) -> dict[str, str]:
    return {"X-Signature": sign(secret, body, at), "Content-Type": "application/json"}


def test_valid_signature_passes():
    verify_signature(SECRET, headers_for(), BODY, now=NOW + 5)


def test_header_format_is_t_and_v1_hex():
    value = sign(SECRET, BODY, NOW)
    t, v1 = value.split(",")
    assert t == f"t={NOW}" and v1.startswith("v1=") and len(v1) == 3 + 64


def test_header_lookup_is_case_insensitive():
    verify_signature(SECRET, {"x-signature": sign(SECRET, BODY, NOW)}, BODY, now=NOW)


@pytest.mark.parametrize(
    ("headers", "body", "now", "reason"),
    [
        (headers_for(secret=b"someone-else"), BODY, NOW, "signature mismatch"),
        (headers_for(), BODY.replace(b"13563917", b"99999999"), NOW, "signature mismatch"),
        (headers_for(at=NOW - 301), BODY, NOW, "too old"),
        (headers_for(at=NOW + 301), BODY, NOW, "in the future"),
        ({}, BODY, NOW, "missing X-Signature"),
        ({"X-Signature": "garbage"}, BODY, NOW, "malformed"),
        ({"X-Signature": "t=abc,v1=00"}, BODY, NOW, "malformed signature timestamp"),
        ({"X-Signature": f"t={NOW}"}, BODY, NOW, "no v1 signature"),
        ({"X-Signature": "v1=00"}, BODY, NOW, "no timestamp"),
    ],
    ids=[
        "wrong-secret",
        "tampered-body",
        "too-old",
        "future",
        "missing",
        "malformed",
        "bad-timestamp",
        "no-v1",
        "no-t",
    ],
)
def test_bad_signatures_are_refused_with_a_reason(headers, body, now, reason):
    with pytest.raises(SignatureError) as caught:
        verify_signature(SECRET, headers, body, now=now)
    assert reason in caught.value.reason


def test_timestamp_is_part_of_the_signature():
    value = sign(SECRET, BODY, NOW).replace(f"t={NOW}", f"t={NOW + 10}")
    with pytest.raises(SignatureError, match="mismatch"):
        verify_signature(SECRET, {"X-Signature": value}, BODY, now=NOW)


def test_any_of_several_v1_signatures_may_match_during_secret_rotation():
    old = sign(b"old-secret", BODY, NOW).split(",")[1]
    new = sign(SECRET, BODY, NOW)
    verify_signature(SECRET, {"X-Signature": f"{new},{old}"}, BODY, now=NOW)


def test_tolerance_is_configurable():
    verify_signature(SECRET, headers_for(at=NOW - 1000), BODY, now=NOW, tolerance_s=1200)


@given(
    secret=st.binary(min_size=1, max_size=64),
    body=st.binary(max_size=512),
    flip=st.integers(min_value=0, max_value=511),
)
def test_property_sign_verifies_and_any_changed_byte_does_not(secret, body, flip):
    header = {"X-Signature": sign(secret, body, NOW)}
    verify_signature(secret, header, body, now=NOW)
    if body:
        index = flip % len(body)
        changed = body[:index] + bytes([body[index] ^ 0x01]) + body[index + 1 :]
        with pytest.raises(SignatureError):
            verify_signature(secret, header, changed, now=NOW)


def test_str_and_bytes_secrets_agree():
    assert sign("abc", BODY, NOW) == sign(b"abc", BODY, NOW)


def test_notification_is_parsed_and_unknown_fields_ignored():
    body = json.dumps(
        {
            "message_id": "m1",
            "partner": "INTRUM",
            "type": "settlement.available",
            "settlement_id": "S-1",
            "occurred_at": "2026-03-11T12:00:00+00:00",
            "x": 1,
        }
    ).encode()
    note = parse_notification(body)
    assert note.type == "settlement.available" and note.settlement_id == "S-1"


@pytest.mark.parametrize(
    "body", [b"not json", b'{"type": "case.updated"}', b'{"message_id":"m","partner":"P","type":"nope"}']
)
def test_bad_notifications_are_refused(body):
    with pytest.raises(NotificationError):
        parse_notification(body)


def test_dedup_remembers_handled_ids():
    dedup = MessageDeduplicator()
    assert not dedup.seen("m1", now=0)
    dedup.remember("m1", now=0)
    assert dedup.seen("m1", now=10)
    assert not dedup.seen("m2", now=10)


def test_dedup_forgets_after_ttl():
    dedup = MessageDeduplicator(ttl_s=60)
    dedup.remember("m1", now=0)
    assert dedup.seen("m1", now=59)
    assert not dedup.seen("m1", now=61)


def test_dedup_is_bounded_dropping_the_oldest():
    dedup = MessageDeduplicator(max_size=3)
    for i in range(5):
        dedup.remember(f"m{i}", now=i)
    assert len(dedup) == 3
    assert not dedup.seen("m0", now=5) and dedup.seen("m4", now=5)
