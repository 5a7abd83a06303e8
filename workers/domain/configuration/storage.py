"""The configuration as one record per entity, as kept on the compacted `config` topic.

One record per partner, division, rule … means a change rewrites only what changed, the
`config.changes` audit trail can say "division 001: paused false → true" rather than diffing
a whole document, and a deleted entity is an ordinary tombstone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from workers.domain.configuration.loading import ConfigurationError, Problem, load_configuration
from workers.domain.configuration.model import Configuration

EntityKind = Literal[
    "company",
    "reminder_rule",
    "partner",
    "division",
    "fam_function",
    "collection_codes",
    "rounding_tolerance",
    "accounts",
]
EntityKey = tuple[str, str]

SINGLETON_ID = "current"
"""The id of the entities there is only one of (company, collection codes, tolerance)."""

_SECTIONS: dict[str, str] = {
    "reminder_rule": "reminder_rules",
    "partner": "partners",
    "division": "divisions",
    "fam_function": "fam_functions",
    "accounts": "accounts",
}
_SINGLETONS: dict[str, str] = {
    "company": "company",
    "collection_codes": "blocking_collection_codes",
    "rounding_tolerance": "rounding_tolerance",
}


def entities(cfg: Configuration) -> dict[EntityKey, dict[str, Any]]:
    """Splits a configuration into JSON-ready records keyed by (kind, id)."""
    data = cfg.model_dump(mode="json")
    records: dict[EntityKey, dict[str, Any]] = {}
    for kind, field in _SINGLETONS.items():
        records[(kind, SINGLETON_ID)] = {field: data[field]}
    for kind, section in _SECTIONS.items():
        for entity_id, value in data[section].items():
            records[(kind, entity_id)] = value
    return records


def from_entities(records: Mapping[EntityKey, Mapping[str, Any]]) -> Configuration:
    """Reassembles and re-validates: a record store is input like any other."""
    data: dict[str, Any] = {section: {} for section in _SECTIONS.values()}
    for (kind, entity_id), value in records.items():
        if kind in _SECTIONS:
            data[_SECTIONS[kind]][entity_id] = dict(value)
        elif kind in _SINGLETONS:
            field = _SINGLETONS[kind]
            if field in value:
                data[field] = value[field]
        else:
            raise ConfigurationError([Problem(f"{kind}/{entity_id}", "unknown entity kind")])
    return load_configuration(data)


def entity_changes(
    before: Configuration | None, after: Configuration
) -> dict[EntityKey, dict[str, Any] | None]:
    """The records to write: new or changed ones, and None (a tombstone) for removed ones."""
    old = entities(before) if before is not None else {}
    new = entities(after)
    changes: dict[EntityKey, dict[str, Any] | None] = {
        key: value for key, value in new.items() if old.get(key) != value
    }
    changes.update({k: None for k in old if k not in new})
    return changes
