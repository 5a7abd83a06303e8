"""Bad input, table-driven: every topic a worker consumes × every class of bad input.

For each input topic of topics.yaml that a worker reads, a valid sample message is spoiled in one
way at a time — malformed JSON, wrong types, an unknown or misplaced type, NaN, Infinity, 1e400,
over-precise and negative numbers, an oversized value, a tombstone — and ``decode`` must refuse it
with a ``ContractError`` whose reason names the problem (and the field), while the dead letter
built from it keeps the error, topic, partition, offset and key, the bytes (truncated above
64 KiB) with the full length and SHA-256. ``DeadLetterSink`` writes it to the topic's ``.dlq``
under a key that names the source record. Valid-but-ineligible input (a credit item, an unlinked
division) decodes: it is a recorded skip for the case processor, not a dead letter.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from contracts import MAX_RAW_BYTES, ContractError, DeadLetter, decode, dead_letter_from, encode
from contracts.dead_letter import MAX_ERROR_CHARS
from tests.unit.test_contracts import SAMPLES, topic_of
from workers.infra.dead_letters import DeadLetterSink
from workers.infra.topic_map import load_topic_map

PREFIX = "fz0123."
PARTITION, OFFSET = 4, 123_456
WORKERS = {"case-processor", "settlement-splitter", "settlement-aggregator", "m3-gateway", "partner-gateway",
           "all-workers"}
TOPICS = load_topic_map().topics


@dataclass(frozen=True)
class Input:
    """A topic's valid sample and the number fields a spoiled value is put into.

    ``money`` is a money field (None when the topic's messages carry none); ``unsigned`` a field
    that must not be negative (a magnitude or a count); ``signed_money`` a money field where a
    negative value is valid input."""

    type: str
    money: str | None = None
    unsigned: str = "schema_version"
    signed_money: str | None = None


INPUTS: dict[str, Input] = {
    "ledger.overdue": Input("ledger.invoice_overdue", money="payload.open_amount",
                            unsigned="payload.reminders_sent", signed_money="payload.amount"),
    "m3.payments": Input("m3.posting_booked", money="payload.amount", unsigned="payload.amount",
                         signed_money="payload.open_amount_after"),
    "partner.case-status": Input("partner.status_changed"),
    "partner.remittance": Input("partner.settlement_received", money="payload.lines.0.principal",
                                unsigned="payload.lines.0.principal", signed_money="payload.lines.1.rounding"),
    "partner.feed-reads": Input("partner.feed_read_requested"),
    "settlement.lines": Input("settlement.line_submitted", money="payload.line.interest",
                              unsigned="payload.line.interest"),
    "settlement.decisions": Input("settlement.line_decided", money="payload.journal.0.debit",
                                  unsigned="payload.journal.0.debit"),
    "case.rechecks": Input("case.recheck_due", unsigned="payload.config_version"),
    "partner.commands": Input("partner.register_case", money="payload.original_amount",
                              unsigned="payload.original_amount"),
    "m3.commands": Input("m3.post_statement", money="payload.journal.0.credit", unsigned="payload.journal.0.credit"),
    "m3.outcomes": Input("m3.command_outcome"),
    "config": Input("config.entity_set"),
    "clock": Input("clock.business_date_set"),
}


def test_the_matrix_covers_every_topic_a_worker_consumes() -> None:
    consumed = {name for name, spec in TOPICS.items() if set(spec.consumers) & WORKERS}
    assert consumed == set(INPUTS)
    for topic, sample in INPUTS.items():
        assert topic_of(sample.type) == topic or sample.type in TOPICS[topic].contracts


# ---- building the spoiled messages -----------------------------------------------------------------

def good(topic: str) -> dict[str, Any]:
    return json.loads(encode(topic, SAMPLES[INPUTS[topic].type]()))


def _set(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    *parents, last = path.split(".")
    node: Any = data
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return data


_LITERAL = "\u2063LITERAL\u2063"


def with_value(topic: str, path: str, value: Any) -> bytes:
    """The sample with ``path`` set to ``value``; a ``bytes`` value is spliced in as raw JSON
    (so NaN, Infinity and 1e400 can be written as JSON numbers)."""
    data = _set(good(topic), path, _LITERAL if isinstance(value, bytes) else value)
    text = json.dumps(data).encode()
    return text.replace(json.dumps(_LITERAL).encode(), value) if isinstance(value, bytes) else text


Case = Callable[[str], tuple[bytes | None, list[str]]]
"""topic → (the bad value, fragments the reason must contain)."""


def _number(literal: bytes | str, money: list[str], count: list[str],
            version: tuple[str, ...] = ("schema_version must be a positive integer",), *,
            counts: bool = True) -> Case:
    """A bad number in the topic's money field, else in an integer field of the topic (its count
    field, or with ``counts=False`` — a value only money refuses — its schema version)."""
    def build(topic: str) -> tuple[bytes | None, list[str]]:
        spec = INPUTS[topic]
        path = spec.money or (spec.unsigned if counts else "schema_version")
        expected = money if spec.money else (list(version) if path == "schema_version" else count)
        return with_value(topic, path, literal), ([path] if path != "schema_version" else []) + expected
    return build


def _malformed(topic: str) -> tuple[bytes | None, list[str]]:
    whole = encode(topic, SAMPLES[INPUTS[topic].type]())
    return whole[: len(whole) // 2], [f"invalid JSON on {topic}"]


def _not_json(topic: str) -> tuple[bytes | None, list[str]]:
    return b"\xff\xfe{not json", [f"invalid JSON on {topic}"]


def _not_an_object(topic: str) -> tuple[bytes | None, list[str]]:
    return b'["an", "array"]', [f"a message on {topic} must be a JSON object"]


def _wrong_type_event_id(topic: str) -> tuple[bytes | None, list[str]]:
    return with_value(topic, "event_id", 42), ["event_id"]


def _wrong_type_in_payload(topic: str) -> tuple[bytes | None, list[str]]:
    data = good(topic)
    field = next(iter(data["payload"]))
    data["payload"][field] = {"nested": ["wrong", "type"]}
    return json.dumps(data).encode(), [f"payload.{field}"]


def _payload_not_an_object(topic: str) -> tuple[bytes | None, list[str]]:
    return with_value(topic, "payload", "garbage"), ["payload"]


def _schema_version_as_string(topic: str) -> tuple[bytes | None, list[str]]:
    return with_value(topic, "schema_version", "1"), ["schema_version must be a positive integer"]


def _unknown_type(topic: str) -> tuple[bytes | None, list[str]]:
    return with_value(topic, "type", "fuzz.no_such_type"), ["unknown message type 'fuzz.no_such_type'"]


def _type_of_another_topic(topic: str) -> tuple[bytes | None, list[str]]:
    return with_value(topic, "type", "case.handed_over"), [f"case.handed_over is not allowed on {topic}"]


def _no_type(topic: str) -> tuple[bytes | None, list[str]]:
    data = good(topic)
    del data["type"]
    return json.dumps(data).encode(), ["message has no string 'type'"]


def _newer_version(topic: str) -> tuple[bytes | None, list[str]]:
    return with_value(topic, "schema_version", 99), ["schema version 99 is newer than supported"]


def _missing_field(topic: str) -> tuple[bytes | None, list[str]]:
    data = good(topic)
    del data["occurred_at"]
    return json.dumps(data).encode(), ["occurred_at: Field required"]


def _extra_field(topic: str) -> tuple[bytes | None, list[str]]:
    return with_value(topic, "payload.smuggled", "x"), ["payload.smuggled: Extra inputs are not permitted"]


def _negative(topic: str) -> tuple[bytes | None, list[str]]:
    spec = INPUTS[topic]
    if spec.unsigned == "schema_version":
        return with_value(topic, "schema_version", -1), ["schema_version must be a positive integer"]
    value: Any = "-5.00" if spec.unsigned == spec.money else -1
    reason = "must not be negative" if spec.unsigned == spec.money else "greater than or equal to"
    return with_value(topic, spec.unsigned, value), [spec.unsigned, reason]


def _oversized_garbage(topic: str) -> tuple[bytes | None, list[str]]:
    return bytes(range(256)) * 400, [f"invalid JSON on {topic}"]


def _oversized_message(topic: str) -> tuple[bytes | None, list[str]]:
    return with_value(topic, "payload.padding", "x" * (MAX_RAW_BYTES + 5000)), [
        "payload.padding: Extra inputs are not permitted"]


def _tombstone(topic: str) -> tuple[bytes | None, list[str]]:
    return None, [f"a tombstone (no value) is not a message on {topic}"]


NOT_A_FLOAT = ['money must be a decimal string like "4046.00", not a float']
NOT_FINITE = ["money must be a finite number, not NaN or Infinity"]
NOT_AN_INT = ["valid integer"]

CASES: dict[str, Case] = {
    "malformed-json": _malformed,
    "not-json-bytes": _not_json,
    "json-not-an-object": _not_an_object,
    "wrong-type-event-id": _wrong_type_event_id,
    "wrong-type-in-payload": _wrong_type_in_payload,
    "payload-not-an-object": _payload_not_an_object,
    "schema-version-as-string": _schema_version_as_string,
    "unknown-type": _unknown_type,
    "type-of-another-topic": _type_of_another_topic,
    "no-type": _no_type,
    "newer-schema-version": _newer_version,
    "missing-field": _missing_field,
    "extra-field": _extra_field,
    "nan-literal": _number(b"NaN", NOT_A_FLOAT, NOT_AN_INT),
    "nan-string": _number("NaN", NOT_FINITE, NOT_AN_INT),
    "infinity-literal": _number(b"Infinity", NOT_A_FLOAT, NOT_AN_INT),
    "minus-infinity-string": _number("-Infinity", NOT_FINITE, NOT_AN_INT),
    "1e400-number": _number(b"1e400", NOT_A_FLOAT, NOT_AN_INT),
    "1e400-string": _number("1e400", ['money must be a decimal string like "4046.00"'], NOT_AN_INT),
    "huge-integer": _number(b"1" + b"0" * 400, ["money is too large"], ["integer"], ("is newer than supported",),
                            counts=False),
    "over-precise-1.001": _number("1.001", ["money has more than 2 decimals"], NOT_AN_INT),
    "float-money": _number(b"4046.5", NOT_A_FLOAT, NOT_AN_INT),
    "negative-magnitude": _negative,
    "oversized-garbage": _oversized_garbage,
    "oversized-message": _oversized_message,
    "tombstone": _tombstone,
}

MATRIX = [(topic, case) for topic in INPUTS for case in CASES]


@pytest.mark.parametrize(("topic", "case"), MATRIX, ids=[f"{t}-{c}" for t, c in MATRIX])
def test_bad_input_is_refused_with_a_reason_and_dead_lettered_whole(topic: str, case: str) -> None:
    raw, fragments = CASES[case](topic)
    with pytest.raises(ContractError) as caught:
        decode(topic, raw)  # type: ignore[arg-type]
    reason = str(caught.value)
    for fragment in fragments:
        assert fragment in reason, f"{fragment!r} not in {reason!r}"
    assert len(reason) < 2000, "a reason a person can read"

    key = b"100/AAA/252005046/2025"
    letter = dead_letter_from(PREFIX + topic, PARTITION, OFFSET, key, raw, caught.value)
    _assert_keeps_everything(letter, PREFIX + topic, key, raw, reason)
    asyncio.run(_assert_sink_writes_it(topic, key, raw, reason))


def _assert_keeps_everything(letter: DeadLetter, physical: str, key: bytes | None, raw: bytes | None,
                             reason: str) -> None:
    value = raw or b""
    assert (letter.source_topic, letter.partition, letter.offset) == (physical, PARTITION, OFFSET)
    assert letter.key == (None if key is None else key.decode())
    assert letter.error == reason
    assert letter.raw_length == len(value)
    assert letter.raw_sha256 == hashlib.sha256(value).hexdigest()
    assert letter.truncated == (len(value) > MAX_RAW_BYTES)
    assert letter.raw() == value[:MAX_RAW_BYTES]


class _CapturingTopic:
    def __init__(self) -> None:
        self.sent: list[tuple[bytes, bytes]] = []

    async def send(self, *, key: bytes, value: bytes) -> None:
        self.sent.append((key, value))


async def _assert_sink_writes_it(topic: str, key: bytes, raw: bytes | None, reason: str) -> None:
    dlq = TOPICS[topic].dead_letters
    if dlq is None:  # partner.feed-reads: the gateway's own requests; an unreadable one is skipped
        assert topic == "partner.feed-reads"
        return
    assert dlq == f"{topic}.dlq"
    target = _CapturingTopic()
    sink = DeadLetterSink(PREFIX + topic, dlq, target, "matrix-test")
    await sink.send(PARTITION, OFFSET, key, raw, reason)
    [(dlq_key, value)] = target.sent
    assert dlq_key == f"{PREFIX}{topic}:{PARTITION}:{OFFSET}".encode()
    envelope = decode(dlq, value)
    assert envelope.type == "dead_letter" and envelope.source == "matrix-test"
    _assert_keeps_everything(envelope.payload, PREFIX + topic, key, raw, reason)
    assert len(value) < MAX_RAW_BYTES * 2, "one giant message cannot clog the dead-letter topic"


# ---- what is not a dead letter -----------------------------------------------------------------------

@pytest.mark.parametrize("topic", sorted(INPUTS))
def test_the_unspoiled_sample_decodes(topic: str) -> None:
    assert decode(topic, json.dumps(good(topic)).encode()).type == INPUTS[topic].type


@pytest.mark.parametrize("topic", sorted(t for t, s in INPUTS.items() if s.signed_money))
def test_negative_signed_amounts_are_valid_input(topic: str) -> None:
    """An invoice's amounts (negative = credit item, a recorded skip), the open amount after a
    posting, and a settlement's rounding are signed by definition: valid input, no dead letter."""
    path = INPUTS[topic].signed_money
    assert path is not None
    envelope = decode(topic, with_value(topic, path, "-5.00"))
    assert "-5.00" in envelope.model_dump_json()


def test_a_credit_item_and_an_unlinked_division_are_valid_messages() -> None:
    credit = _set(_set(good("ledger.overdue"), "payload.amount", "-800.00"), "payload.open_amount", "-800.00")
    assert decode("ledger.overdue", json.dumps(credit).encode()).payload.open_amount < 0
    elsewhere = _set(good("ledger.overdue"), "payload.division", "UNLINKED")
    elsewhere["case_id"] = elsewhere["case_id"].replace("/AAA/", "/UNLINKED/")
    assert decode("ledger.overdue", json.dumps(elsewhere).encode()).case_id.split("/")[1] == "UNLINKED"


def test_a_reason_longer_than_the_limit_is_cut_and_the_key_decoded_lossily() -> None:
    letter = dead_letter_from(PREFIX + "m3.outcomes", 0, 0, b"\xffkey", b"x", "e" * (MAX_ERROR_CHARS * 3))
    assert len(letter.error) == MAX_ERROR_CHARS and letter.error.endswith("…")
    assert letter.key == "\ufffdkey"
    assert base64.b64decode(letter.raw_base64) == b"x"
