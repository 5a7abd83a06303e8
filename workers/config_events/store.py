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
from workers.config_events.records import decodable
from workers.config_events.resolution import entity_label, resolve
from workers.domain.configuration import Configuration, EntityKey, entities, load_configuration
from workers.infra.logs import get_logger
from workers.infra.settings import Settings
from workers.infra.topic_io import publish, read_to_end

log = get_logger(__name__)


@dataclass(frozen=True)
class AppliedChange:
    kind: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def current_records(settings: Settings) -> dict[EntityKey, dict[str, Any]]:
    """The compacted view: the latest value per entity (removed entities left out).

    A record that does not decode is skipped with a warning, as the workers' live view does (it
    dead-letters it to `config.dlq`): junk on the topic must not stop `dcs config apply`."""
    latest: dict[EntityKey, dict[str, Any] | None] = {}
    for _, envelope in decodable(read_to_end(settings, "config"), "config"):
        payload = envelope.payload
        latest[(payload.kind, payload.entity_id)] = payload.value
    return {key: value for key, value in latest.items() if value is not None}


def current_configuration(settings: Settings) -> Configuration | None:
    """The configuration the workers act on: the topic replayed as the live view reads it, each
    apply (records of one `occurred_at`) resolved on top of the last good one, so an entity whose
    latest value does not validate with the rest keeps its previous value (logged; resolution.py)."""
    latest: dict[EntityKey, dict[str, Any]] = {}
    order: dict[EntityKey, None] = {}
    good: dict[EntityKey, dict[str, Any]] = {}
    envelopes = [envelope for _, envelope in decodable(read_to_end(settings, "config"), "config")]
    resolution = None
    for i, envelope in enumerate(envelopes):
        payload = envelope.payload
        key = (payload.kind, payload.entity_id)
        order.pop(key, None)
        order[key] = None
        if payload.value is None:
            latest.pop(key, None)
        else:
            latest[key] = payload.value
        if i + 1 == len(envelopes) or envelopes[i + 1].occurred_at != envelope.occurred_at:
            resolution = resolve(latest, good, list(reversed(order)))
            good = resolution.records
    if resolution is None:
        return None
    for key, reason in resolution.refused.items():
        log.warning("config_entity_refused", entity=entity_label(key), reason=reason[:500])
    if resolution.held:
        log.warning("config_changes_held", entities=sorted(map(entity_label, resolution.held)))
    return resolution.configuration


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
    """Every change in order; a record that does not decode is skipped with a warning."""
    return [envelope.payload for _, envelope in decodable(read_to_end(settings, "config.changes"), "config.changes")]
