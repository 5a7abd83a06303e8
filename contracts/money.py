"""Money as exact decimals: never float, never more precision than the ledger has.

M3 and the partners speak decimal strings, and settlement journals must balance to the øre, so a
float anywhere would be a bug waiting for a rounding case. Values are accepted as ``str``,
``Decimal`` or ``int`` (a JSON integer), quantized to 0.01 and written back to JSON as a string
with exactly two decimals (``"4046.00"``). A value with a non-zero third decimal is refused, not
rounded: rounding is a business decision that belongs to the settlement rules.

``Amount`` is a non-negative magnitude (the message type says the direction, DOMAIN §2.0);
``SignedAmount`` is for M3's signed invoice amounts and the signed settlement components.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import PlainSerializer, PlainValidator, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

CENT = Decimal("0.01")
MAX_MONEY = Decimal(10) ** 15
_DECIMAL_TEXT = re.compile(r"-?\d+(\.\d+)?")
_NOT_FINITE = {"nan", "snan", "inf", "infinity"}
_EXAMPLE = 'a decimal string like "4046.00"'


def _fail(kind: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(kind, message)


def to_decimal(value: Any, what: str = "money", example: str = _EXAMPLE) -> Decimal:
    """Read ``value`` as an exact, finite Decimal, refusing float and bool with a clear reason."""
    if isinstance(value, bool):
        raise _fail("decimal_type", f"{what} must be {example}, not a boolean")
    if isinstance(value, float):
        raise _fail("decimal_type", f"{what} must be {example}, not a float")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        if value.strip().lstrip("+-").lower() in _NOT_FINITE:
            raise _fail("decimal_finite", f"{what} must be a finite number, not NaN or Infinity")
        if not _DECIMAL_TEXT.fullmatch(value):
            raise _fail("decimal_format", f"{what} must be {example}")
        return Decimal(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise _fail("decimal_finite", f"{what} must be a finite number, not NaN or Infinity")
        return value
    raise _fail("decimal_type", f"{what} must be {example}, not {type(value).__name__}")


def _money(value: Any, *, signed: bool) -> Decimal:
    amount = to_decimal(value)
    if abs(amount) >= MAX_MONEY:
        raise _fail("money_range", "money is too large (at most 15 digits before the point)")
    cents = amount.quantize(CENT)
    if cents != amount:
        raise _fail("money_decimals", "money has more than 2 decimals")
    if cents == 0:
        return abs(cents)
    if cents < 0 and not signed:
        raise _fail(
            "money_sign",
            "amount must not be negative: amounts are magnitudes, the type gives the direction",
        )
    return cents


def _money_json(value: Decimal) -> str:
    return f"{value:.2f}"


def _money_schema(signed: bool) -> dict[str, Any]:
    sign = "-?" if signed else ""
    return {
        "type": "string",
        "pattern": rf"^{sign}\d{{1,15}}(\.\d{{1,2}})?$",
        "examples": ["-4046.00" if signed else "4046.00"],
        "description": ("signed" if signed else "non-negative") + " exact decimal, 2 places",
    }


Amount = Annotated[
    Decimal,
    PlainValidator(lambda v: _money(v, signed=False)),
    PlainSerializer(_money_json, return_type=str, when_used="json"),
    WithJsonSchema(_money_schema(signed=False)),
]
SignedAmount = Annotated[
    Decimal,
    PlainValidator(lambda v: _money(v, signed=True)),
    PlainSerializer(_money_json, return_type=str, when_used="json"),
    WithJsonSchema(_money_schema(signed=True)),
]

Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
"""ISO 4217 code, upper case (``NOK``, ``EUR``)."""


def _rate(value: Any) -> Decimal:
    rate = to_decimal(value, "rate", 'a percentage like "25" or "12.50"')
    if rate < 0 or rate > 100:
        raise _fail("rate_range", "rate must be a percentage between 0 and 100")
    if rate != rate.quantize(Decimal("0.0001")):
        raise _fail("rate_decimals", "rate has more than 4 decimals")
    return rate


Rate = Annotated[
    Decimal,
    PlainValidator(_rate),
    PlainSerializer(lambda r: format(r.normalize(), "f"), return_type=str, when_used="json"),
    WithJsonSchema(
        {"type": "string", "pattern": r"^\d{1,3}(\.\d{1,4})?$", "examples": ["25", "12.50"]}
    ),
]
"""A percentage (VAT, interest), e.g. ``"25"`` or ``"12.50"``; 0–100, up to 4 decimals."""
