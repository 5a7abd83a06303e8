"""Canonical JSON as a MEC/ION mapping posts it: our contract's payload, validated strictly.

A mapping we configure ourselves can produce exactly our shape, so nothing is guessed: unknown
fields, floats for money, numbers as strings are refused with the field path (422). The one
convenience is the company, which a division-level mapping often does not know: when the
payload has none, the configured company is used.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from contracts import InvoiceOverdue, PostingBooked
from contracts.errors import describe
from workers.m3_ingress.http_reception import Rejected

CanonicalModel = type[InvoiceOverdue] | type[PostingBooked]


def canonical_payloads(items: Sequence[Mapping[str, Any]], model: CanonicalModel,
                       company: str | None, *, listed: bool) -> list[Any]:
    """Every item as `model`, or 422 naming each bad item and field; all or nothing."""
    payloads, problems = [], []
    for index, item in enumerate(items):
        data = dict(item)
        if "company" not in data and company:
            data["company"] = company
        try:
            payloads.append(model.model_validate_json(json.dumps(data)))
        except ValidationError as error:
            problems.append((f"[{index}] " if listed else "") + describe(error))
    if problems:
        raise Rejected(422, f"invalid {model.message_type}: " + " | ".join(problems))
    return payloads
