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

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from workers.case_processor.state import CaseState
from workers.domain.configuration import Configuration
from workers.config_events.resolution import resolve
from workers.projections.case_summary import CaseSummary, summaries

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
    chosen = [e for e in events if as_of is None or datetime.fromisoformat(e["occurred_at"]) <= as_of]
    return summaries(chosen)


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
    from workers.config_events.records import decodable
    from workers.infra.topic_io import read_to_end

    seen, events = set(), []
    for _record, envelope in decodable(read_to_end(settings, "case.events"), "case.events"):
        if envelope.event_id not in seen:
            seen.add(envelope.event_id)
            events.append(envelope.model_dump(mode="json"))
    return events


def compare_live(settings: Any, m3_state: dict[str, Any] | None = None) -> tuple[int, list[Difference]]:
    """Replay the whole log and diff it against the live table (and M3's invoices, if given)."""
    events = log_events(settings)
    rebuilt = replay(events)
    differences = against_table(rebuilt, live_table(settings))
    if m3_state is not None:
        differences += against_m3(rebuilt, m3_state["invoices"], m3_state["company"])
    return len(events), differences
