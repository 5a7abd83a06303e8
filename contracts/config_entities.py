"""``config`` and ``config.changes``: configuration as events (DOMAIN §3).

``config`` is compacted and holds one record per entity, keyed ``{kind}/{entity_id}``; a ``None``
value removes the entity (and a tombstone may follow). ``config.changes`` keeps every change with
who, when, before and after, beside the compacted view. Entity values stay plain JSON objects
here: their shapes belong to the configuration code, which validates them when applying a file.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, model_validator

from contracts.base import Payload, Text
from contracts.identity import Segment

EntityKind = Literal[
    "company",
    "partner",
    "reminder_rule",
    "division",
    "fam_function",
    "collection_codes",
    "rounding_tolerance",
    "accounts",
]


def entity_key(kind: str, entity_id: str) -> str:
    return f"{kind}/{entity_id}"


class ConfigEntitySet(Payload):
    """The current value of one entity; ``None`` removes it."""

    message_type = "config.entity_set"

    kind: EntityKind
    entity_id: Segment
    value: dict[str, Any] | None

    def default_key(self) -> str | None:
        return entity_key(self.kind, self.entity_id)


class ConfigEntityChanged(Payload):
    """Who changed an entity, when, and its value before and after."""

    message_type = "config.entity_changed"

    kind: EntityKind
    entity_id: Segment
    actor: Text
    at: AwareDatetime
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    @model_validator(mode="after")
    def _is_a_change(self) -> ConfigEntityChanged:
        if self.before == self.after:
            raise ValueError("before and after are equal: that is not a change")
        return self

    def default_key(self) -> str | None:
        return entity_key(self.kind, self.entity_id)
