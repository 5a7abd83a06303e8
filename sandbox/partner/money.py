"""Exact amounts for the sandbox: decimal strings in, decimal strings out, never floats.

The sandbox is strict on purpose, like a partner API with a schema: a JSON number or a third
decimal is a validation error, so a gateway bug that would lose øre shows up as a 422.
"""

from __future__ import annotations

import re
from decimal import Decimal

_AMOUNT = re.compile(r"^-?\d{1,13}(\.\d{1,2})?$")
CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def parse_amount(value: object) -> Decimal:
    if not isinstance(value, str) or not _AMOUNT.match(value):
        raise ValueError('must be a decimal string with at most 2 decimals, e.g. "100.00"')
    return Decimal(value).quantize(CENT)


def fmt(amount: Decimal | None) -> str | None:
    return None if amount is None else format(amount.quantize(CENT), "f")
