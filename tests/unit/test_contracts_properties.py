"""Property tests: money is exact, and decode turns any garbage into a ContractError."""

from __future__ import annotations

import json
from decimal import Decimal

from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from contracts import TOPIC_CONTRACTS, Amount, ContractError, SignedAmount, decode

AMOUNT = TypeAdapter(Amount)
SIGNED = TypeAdapter(SignedAmount)
LIMIT = Decimal("999999999999999.99")
TOPICS = sorted(TOPIC_CONTRACTS)

two_places = st.decimals(min_value=0, max_value=LIMIT, places=2,
                         allow_nan=False, allow_infinity=False)
signed_two_places = st.decimals(min_value=-LIMIT, max_value=LIMIT, places=2,
                                allow_nan=False, allow_infinity=False)


@given(two_places)
@example(Decimal("0.00"))
@example(Decimal("4046.00"))
@example(LIMIT)
def test_amount_round_trips_exactly(value: Decimal) -> None:
    for accepted in (value, str(value)):
        assert AMOUNT.validate_python(accepted) == value
    text = json.loads(AMOUNT.dump_json(value))
    assert Decimal(text) == value
    assert text == f"{value:.2f}"
    assert AMOUNT.validate_json(AMOUNT.dump_json(value)) == value


@given(signed_two_places)
def test_signed_amount_round_trips_exactly(value: Decimal) -> None:
    assert SIGNED.validate_json(SIGNED.dump_json(value)) == value
    assert SIGNED.validate_python(str(value)) == value


@given(st.integers(min_value=0, max_value=10**15 - 1))
def test_whole_numbers_are_money_too(value: int) -> None:
    assert AMOUNT.validate_python(value) == Decimal(value)


@settings(max_examples=300)
@given(st.sampled_from(TOPICS), st.binary(max_size=512))
def test_random_bytes_never_escape_as_anything_but_contract_error(topic: str, raw: bytes) -> None:
    try:
        decode(topic, raw)
    except ContractError:
        pass


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300)
@given(
    st.sampled_from(TOPICS),
    st.sampled_from(sorted({"ledger.invoice_overdue", "case.handed_over", "dead_letter", "x"})),
    st.one_of(st.integers(min_value=-1, max_value=3), st.none(), st.text(max_size=3)),
    json_values,
)
def test_random_json_envelopes_never_escape_as_anything_but_contract_error(
    topic: str, type_: str, version: object, payload: object
) -> None:
    raw = json.dumps({"type": type_, "schema_version": version, "payload": payload}).encode()
    try:
        decode(topic, raw)
    except ContractError:
        pass
