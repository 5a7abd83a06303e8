"""Money is exact: decimal øre/cents, never float.

A float cannot hold 0.10 exactly, and a settlement that is off by one øre does not balance,
so every amount in the domain is a `Decimal` quantized to 0.01, and floats are refused at the
door rather than silently rounded.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def cents(amount: Decimal) -> Decimal:
    """Quantizes to øre/cents, half-up, as M3 and Norwegian bookkeeping round."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def exact_decimal(value: object) -> Decimal:
    """Reads a decimal from text, an int or a Decimal; refuses floats and booleans.

    YAML reads an unquoted `30.5` as a float, which is how a binary fraction would sneak
    into the books; the message says how to write it instead.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a decimal number, got {str(value).lower()}")
    if isinstance(value, float):
        raise ValueError(
            f"{value!r} is a floating-point number; write amounts and rates as a quoted "
            f'string, e.g. "{value}"'
        )
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        try:
            parsed = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a decimal number") from None
    elif isinstance(value, Decimal):
        parsed = value
    else:
        kind = type(value).__name__
        raise ValueError(f"expected a decimal number as a quoted string, got {kind}")
    if not parsed.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return parsed


def exact_money(value: object) -> Decimal:
    """Like `exact_decimal`, but at most two decimals: a third one is a typo, not a rounding."""
    amount = exact_decimal(value)
    if amount != amount.quantize(CENT):
        raise ValueError(f"{value!r} has more than two decimals")
    return cents(amount)
