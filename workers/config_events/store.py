"""Apply a configuration file as events, and read the live view back.

`dcs config apply FILE` validates the whole file first (a bad file names the bad key and
changes nothing), compares it entity by entity with the current view on the compacted `config`
topic, and writes only what changed: the new value to `config` and who/when/before/after to
`config.changes`. Applying the same file twice writes nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from contracts import ConfigEntityChanged, ConfigEntitySet, Envelope, new_message
from workers.domain.configuration import Configuration, EntityKey, entities, from_entities, load_configuration
from workers.infra.settings import Settings
from workers.infra.topic_io import publish, read_to_end


@dataclass(frozen=True)
class AppliedChange:
    kind: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def current_records(settings: Settings) -> dict[EntityKey, dict[str, Any]]:
    """The compacted view: the latest value per entity (removed entities left out)."""
    latest: dict[EntityKey, dict[str, Any] | None] = {}
    for record in read_to_end(settings, "config"):
        if record.value is None:
            continue
        payload = record.envelope("config").payload
        latest[(payload.kind, payload.entity_id)] = payload.value
    return {key: value for key, value in latest.items() if value is not None}


def current_configuration(settings: Settings) -> Configuration | None:
    records = current_records(settings)
    return from_entities(records) if records else None


def apply_configuration(settings: Settings, data: dict[str, Any], actor: str) -> list[AppliedChange]:
    """Validate, diff against the live view, publish the changes; return what changed."""
    wanted = entities(load_configuration(data))
    live = current_records(settings)
    changes = [
        AppliedChange(kind, entity_id, live.get((kind, entity_id)), wanted.get((kind, entity_id)))
        for kind, entity_id in sorted(set(wanted) | set(live))
        if live.get((kind, entity_id)) != wanted.get((kind, entity_id))
    ]
    at = datetime.now(UTC)
    messages: list[tuple[str, Envelope]] = []
    for change in changes:
        messages.append(("config", new_message(
            "config.entity_set",
            ConfigEntitySet(kind=change.kind, entity_id=change.entity_id, value=change.after),
            source="dcs-config-apply", occurred_at=at)))
        messages.append(("config.changes", new_message(
            "config.entity_changed",
            ConfigEntityChanged(kind=change.kind, entity_id=change.entity_id, actor=actor, at=at,
                                before=change.before, after=change.after),
            source="dcs-config-apply", occurred_at=at)))
    publish(settings, messages)
    return changes


def history(settings: Settings) -> list[ConfigEntityChanged]:
    return [record.envelope("config.changes").payload for record in read_to_end(settings, "config.changes")]
