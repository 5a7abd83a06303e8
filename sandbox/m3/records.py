"""MI record plumbing shared by every simulated program: errors, field access, M3 formats.

Real M3 answers a bad transaction with HTTP 200 and an error inside the result, so handlers
raise `MIError` and the MI layer turns it into that shape. Dates are `YYYYMMDD` (an empty date
is "0"), amounts are decimal strings; these helpers keep that convention in one place.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Mapping

# Message ids the sandbox uses; real M3 ids differ per message file (document, don't rely).
ALREADY_EXISTS = "XRE0103"
NOT_FOUND = "XRE0104"
INVALID = "XIN0001"
MANDATORY = "XMA0001"

CENT = Decimal("0.01")


class MIError(Exception):
    """One failed transaction: reported inside HTTP 200 like M3 does."""

    def __init__(self, message: str, code: str = INVALID, field: str = "",
                 error_type: str = "ServerReturnedNOK") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
        self.error_type = error_type


def required(record: Mapping[str, str], field: str) -> str:
    value = str(record.get(field, "")).strip()
    if not value:
        raise MIError(f"Field {field} must be entered", MANDATORY, field)
    return value


def optional(record: Mapping[str, str], field: str, default: str = "") -> str:
    return str(record.get(field, default)).strip()


def parse_date(value: str, field: str) -> date | None:
    value = value.strip()
    if value in ("", "0"):
        return None
    try:
        if len(value) != 8 or not value.isdigit():
            raise ValueError(value)
        return date(int(value[0:4]), int(value[4:6]), int(value[6:8]))
    except ValueError:
        raise MIError(f"Date {value} is invalid", INVALID, field) from None


def fmt_date(value: date | None) -> str:
    return value.strftime("%Y%m%d") if value else "0"


def parse_amount(value: str, field: str) -> Decimal:
    try:
        amount = Decimal(value.strip())
    except InvalidOperation:
        raise MIError(f"Amount {value} is invalid", INVALID, field) from None
    if not amount.is_finite():
        raise MIError(f"Amount {value} is invalid", INVALID, field)
    return amount


def fmt_amount(value: Decimal) -> str:
    return str(value.quantize(CENT) + 0)


def parse_int(value: str, field: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise MIError(f"Value {value} in {field} is not numeric", INVALID, field) from None
