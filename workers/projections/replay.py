"""Replay: rebuild every case from `case.events` alone and compare with what the service holds.

The log is the source of truth (ARCHITECTURE §1). Folding it again must give the same phase,
partner, case number and reminder-stop code as the case processor's live table, and the same
reminder stop and case-info categories as M3 shows; any difference is printed and makes the
command fail, so a lost or doubled event cannot hide.

``--as-of`` rebuilds the past: the cases from the events that had occurred by then, and the
configuration in force then from the audit trail on ``config.changes`` (each change carries its
value after), so "why was this invoice handed over in March?" is answered with March's rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic_core import from_json

from contracts import MESSAGE_TYPES, TOPIC_CONTRACTS, ContractError, Envelope, decode
from workers.case_processor.state import CaseState
from workers.domain.configuration import Configuration
from workers.config_events.resolution import resolve
from workers.infra.logs import get_logger
from workers.projections.case_summary import CaseSummary, gc_paused, summaries

log = get_logger(__name__)

PHASES = {"active": "active", "closed": "closed", "rejected": "rejected", "deferred": "deferred", "skipped": "skipped"}


@dataclass(frozen=True)
class Difference:
    case_id: str
    field: str
    replayed: Any
    live: Any
    where: str

    def __str__(self) -> str:
        return f"{self.case_id} {self.where}.{self.field}: replayed {self.replayed!r}, live {self.live!r}"


def configuration_as_of(changes: list[Any], as_of: datetime | None = None) -> Configuration | None:
    """The configuration in force at ``as_of``: every change made by then, folded in order."""
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    good: dict[tuple[str, str], dict[str, Any]] = {}
    configuration = None
    for change in sorted(changes, key=lambda c: c.at):
        if as_of is not None and change.at > as_of:
            break
        key = (change.kind, change.entity_id)
        if change.after is None:
            latest.pop(key, None)
        else:
            latest[key] = change.after
        resolution = resolve(latest, good, [key])  # as the workers' live view resolves `config`
        good, configuration = resolution.records, resolution.configuration
    return configuration


def replay(events: list[dict[str, Any]], as_of: datetime | None = None) -> dict[str, CaseSummary]:
    if as_of is None:
        return summaries(events)
    return summaries([e for e in events if datetime.fromisoformat(e["occurred_at"]) <= as_of])


def against_table(replayed: dict[str, CaseSummary], table: dict[str, CaseState]) -> list[Difference]:
    differences = []
    for case_id in sorted(set(replayed) | set(table)):
        mine, live = replayed.get(case_id), table.get(case_id)
        if live is None or mine is None:
            differences.append(Difference(case_id, "present", mine is not None, live is not None, "table"))
            continue
        pairs = {"phase": (PHASES.get(mine.state, mine.state), live.phase), "partner": (mine.partner, live.partner),
                 "case_no": (mine.case_no, live.case_no), "code": (mine.code, live.code)}
        differences += [Difference(case_id, name, a, b, "table") for name, (a, b) in pairs.items() if a != b]
    return differences


def against_m3(replayed: dict[str, CaseSummary], invoices: list[dict[str, Any]], company: str) -> list[Difference]:
    differences = []
    for invoice in invoices:
        case_id = f"{company}/{invoice['division']}/{invoice['invoice']}/{invoice['year']}"
        mine = replayed.get(case_id)
        code = mine.code if mine else 0
        if code != invoice["reminder_stop"]:
            differences.append(Difference(case_id, "reminder_stop", code, invoice["reminder_stop"], "m3"))
        expected_info = _info(mine)
        if expected_info != dict(invoice.get("info") or {}):
            differences.append(Difference(case_id, "info", expected_info, invoice.get("info"), "m3"))
    return differences


def _info(case: CaseSummary | None) -> dict[str, str]:
    if case is None or case.case_no is None or case.state == "rejected":
        return {}
    if case.code in (8, 9):
        return {"997": case.case_no, "999": case.case_no}
    return {"998": case.case_no, "999": case.case_no}


def live_table(settings: Any) -> dict[str, CaseState]:
    """The case processor's `cases` table as its changelog holds it (latest value per case)."""
    from workers.infra.topic_io import read_all_to_end

    table: dict[str, CaseState] = {}
    for record in read_all_to_end(settings, ["dcs-case-processor-cases-changelog"]):
        if record.key is None:
            continue
        if record.value is None:
            table.pop(record.key.decode(), None)
        else:
            table[record.key.decode()] = CaseState.from_bytes(record.value)
    return table


def log_events(settings: Any) -> list[dict[str, Any]]:
    """`case.events` once per event id, in log order per case; a record that does not decode is
    skipped with a warning (only the case processor writes here, so that is someone's mistake)."""
    from workers.infra.topic_io import read_batches_to_end

    return case_events(read_batches_to_end(settings, [CASE_EVENTS]))


CASE_EVENTS = "case.events"
_ENVELOPE_FIELDS = frozenset(Envelope.model_fields)
_CURRENT_SHAPES = {name: (MESSAGE_TYPES[name].version, frozenset(MESSAGE_TYPES[name].model.model_fields))
                   for name in TOPIC_CONTRACTS[CASE_EVENTS]}
"""Per case event type: the version producers write now, and its payload's field names."""


def case_events(batches: Iterable[Iterable[Any]]) -> list[dict[str, Any]]:
    """The events of `case.events` records (anything with ``value``, ``topic``, ``partition``,
    ``offset``), as `decode(...).model_dump(mode="json")` gives them, first of each event id.

    Only the case processor writes `case.events`, through `contracts.encode`, and the JSON of
    the current version that writes is already what `model_dump(mode="json")` gives back. So a
    record in exactly that shape — a JSON object with the envelope's fields, a case event type
    at its current version, a payload object with that type's fields, an event id spelled as
    `encode` spells it (duplicates are recognised by it) — is taken as parsed, without
    validating every value again (that was 80 % of replay's time). Anything else, an older
    version to upcast included, goes through the contract's `decode`, and what that refuses is
    skipped with a warning, as before. The price: a record in the current shape whose values
    break the contract, which `encode` cannot write, is returned as written instead of skipped.
    """
    with gc_paused():
        return _case_events(batches)


def _case_events(batches: Iterable[Iterable[Any]]) -> list[dict[str, Any]]:
    shapes, envelope_fields = _CURRENT_SHAPES, _ENVELOPE_FIELDS
    seen: set[str] = set()
    events: list[dict[str, Any]] = []
    for records in batches:
        for record in records:
            value = record.value
            if value is None:
                continue  # a tombstone is compaction clean-up, not a message
            try:
                event = from_json(value)
                version, fields = shapes[event["type"]]
                payload = event["payload"]
                event_id = event["event_id"]
                current = (event["schema_version"] == version and type(event["schema_version"]) is int
                           and type(payload) is dict and payload.keys() == fields
                           and event.keys() == envelope_fields
                           and type(event_id) is str and len(event_id) == 36 and event_id.islower())
            except (ValueError, RecursionError, TypeError, KeyError, AttributeError):
                current = False
            if not current:
                event = _decoded(record)
                if event is None:
                    continue
                event_id = event["event_id"]
            if event_id not in seen:
                seen.add(event_id)
                events.append(event)
    return events


def _decoded(record: Any) -> dict[str, Any] | None:
    try:
        return decode(CASE_EVENTS, record.value).model_dump(mode="json")
    except ContractError as error:
        log.warning("skipped_undecodable_record", topic=record.topic, partition=record.partition,
                    offset=record.offset, error=str(error)[:300])
        return None


def compare_live(settings: Any, m3_state: dict[str, Any] | None = None) -> tuple[int, list[Difference]]:
    """Replay the whole log and diff it against the live table (and M3's invoices, if given)."""
    events = log_events(settings)
    rebuilt = replay(events)
    differences = against_table(rebuilt, live_table(settings))
    if m3_state is not None:
        differences += against_m3(rebuilt, m3_state["invoices"], m3_state["company"])
    return len(events), differences
