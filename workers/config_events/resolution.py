"""The configuration in force when some records on `config` make it invalid.

`dcs config apply` validates a whole file before writing, but the topic is input like any
other: a record written by hand, a replay, or a removal can leave a value that does not validate
with the rest (a division whose partner does not exist). Refusing the whole configuration would
freeze every worker on its last view until someone rewrites that entity, so the live view
resolves the latest records instead:

1. the latest records as a whole, when they validate (the usual case);
2. otherwise each *changed* entity (one whose latest value differs from the last good
   configuration) that a problem names is rolled back to its last good value (a new entity is
   left out), and the rest is validated again;
3. a problem that names no changed entity (an unchanged division whose partner a change removed)
   is pinned on the newest change whose roll-back helps (validates, or leaves fewer problems);
4. when no roll-back helps, the last good configuration stays in force and the remaining changes
   are *held*: not refused themselves, they wait for the refused ones to be fixed.

Every later record starts again from the latest records, so a refused entity is retried on each
change and applies as soon as what it needs arrives (a division written just before its new
partner, as `config apply` writes them in key order, is refused only until the partner is read).
This is a greedy search, not the largest valid subset: simple, deterministic, and at most one
validation per changed entity per step in the rare invalid case.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from workers.domain.configuration import Configuration, ConfigurationError, EntityKey, from_entities

Records = Mapping[EntityKey, Mapping[str, Any]]

_SECTIONS = {"reminder_rule": "reminder_rules", "partner": "partners", "division": "divisions",
             "fam_function": "fam_functions", "accounts": "accounts"}
_SINGLETONS = {"company": "company", "collection_codes": "blocking_collection_codes",
               "rounding_tolerance": "rounding_tolerance"}


@dataclass(frozen=True)
class Resolution:
    configuration: Configuration | None
    records: dict[EntityKey, dict[str, Any]]
    """The entity values in force (refused changes rolled back): the next last good records."""
    refused: dict[EntityKey, str] = field(default_factory=dict)
    """Changed entities rolled back, with the problems that name them."""
    held: dict[EntityKey, str] = field(default_factory=dict)
    """Changes not applied only because the configuration is invalid without them being at fault."""


def resolve(latest: Records, good: Records, newest_first: Sequence[EntityKey]) -> Resolution:
    """The configuration of ``latest`` minus the changes (against ``good``, the last records that
    validated) that make it invalid. ``newest_first`` orders the entities by their latest record."""
    candidate = {key: dict(value) for key, value in latest.items()}
    refused: dict[EntityKey, str] = {}
    rank = {key: i for i, key in enumerate(newest_first)}
    while True:
        configuration, error = _validated(candidate)
        if error is None:
            return Resolution(configuration, candidate, refused)
        changed = sorted((k for k in set(candidate) | set(good) if candidate.get(k) != good.get(k)),
                         key=lambda k: (rank.get(k, len(rank)), k))
        culprits = {k: reasons for k in changed if (reasons := _naming(error, k))}
        if not culprits:
            helper = _newest_helpful_roll_back(candidate, good, changed, len(error.problems))
            if helper is not None:
                culprits = {helper: "the configuration is invalid with this change: " + _text(error.problems)}
        if not culprits:
            kept = {key: dict(value) for key, value in good.items()}
            return Resolution(from_entities(kept) if kept else None, kept, refused,
                              {k: _text(error.problems) for k in changed})
        for key, reasons in culprits.items():
            refused[key] = reasons
            _roll_back(candidate, good, key)


def entity_label(key: EntityKey) -> str:
    return f"{key[0]}/{key[1]}"


def _validated(records: Records) -> tuple[Configuration | None, ConfigurationError | None]:
    if not records:
        return None, None
    try:
        return from_entities(records), None
    except ConfigurationError as error:
        return None, error


def _roll_back(candidate: dict[EntityKey, dict[str, Any]], good: Records, key: EntityKey) -> None:
    if key in good:
        candidate[key] = dict(good[key])
    else:
        candidate.pop(key, None)


def _newest_helpful_roll_back(candidate: dict[EntityKey, dict[str, Any]], good: Records,
                              changed: Sequence[EntityKey], problems: int) -> EntityKey | None:
    best, fewest = None, problems
    for key in changed:
        trial = dict(candidate)
        _roll_back(trial, good, key)
        _, error = _validated(trial)
        if error is None:
            return key
        if len(error.problems) < fewest:
            best, fewest = key, len(error.problems)
    return best


def _naming(error: ConfigurationError, key: EntityKey) -> str:
    """The problems whose dotted path lies in the entity (a section-wide problem names each
    entity of the section, e.g. `accounts: needs a "*" default mapping`)."""
    kind, entity_id = key
    if kind in _SECTIONS:
        section = _SECTIONS[kind]
        heads = (f"{section}.{entity_id}",)
        whole = section
    elif kind in _SINGLETONS:
        heads, whole = (_SINGLETONS[kind],), None
    else:
        heads, whole = (entity_label(key),), None
    named = [p for p in error.problems
             if p.path == whole or any(p.path == h or p.path.startswith((h + ".", h + "[")) for h in heads)]
    return _text(named)


def _text(problems: Sequence[Any]) -> str:
    return "; ".join(str(p) for p in problems)[:1000]
