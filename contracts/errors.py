"""The one exception a producer or consumer has to catch around contracts.

A ``ContractError`` means "this message is not one of ours": the consumer sends it to the
dead-letter topic with ``str(error)`` as the reason, the producer has a bug. It subclasses
``ValueError`` so code that already treats bad input as a ``ValueError`` keeps working.
Messages name the field and the problem but never echo the offending value: registration
data is personal data and dead letters are kept for weeks.
"""

from __future__ import annotations

from pydantic import ValidationError


class ContractError(ValueError):
    """A message that cannot be encoded or decoded under the registered contracts."""


_MAX_LISTED = 8


def describe(error: ValidationError) -> str:
    """``field.path: problem`` per error, never the input value itself."""
    parts = []
    for item in error.errors(include_url=False, include_input=False, include_context=False):
        where = ".".join(str(p) for p in item["loc"]) or "message"
        parts.append(f"{where}: {item['msg'].removeprefix('Value error, ')}")
    if len(parts) > _MAX_LISTED:
        parts[_MAX_LISTED:] = [f"and {len(parts) - _MAX_LISTED} more"]
    return "; ".join(parts)
