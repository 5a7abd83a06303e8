"""Parses an M3 Event Subscriber (CMS045/CMS049) FSLEDG table event into a `LedgerRecord`.

Lenient on purpose: Infor publishes no schema for the JSON CMS049 sends, and tenants configure
it, so unknown keys are ignored, column names may carry the table prefix (`ESCINO`) or not
(`CINO`), and `fields` may be an object or a list of `{name, value}` pairs. Strict where it
matters: it must be an FSLEDG event with the fields a ledger record needs, and every reason it
is not is stated in one ValueError. The body the sandbox sends is documented in
`sandbox/m3/cms049.py`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Mapping

from workers.adapters.m3.ledger_record import LedgerRecord, ledger_record_from_fields

TABLE = "FSLEDG"
PREFIX = "ES"


@dataclass(frozen=True)
class Cms049Event:
    event_id: str
    operation: str
    timestamp: str
    message: str
    record: LedgerRecord
    changed: frozenset[str]


def parse_cms049(body: bytes | str | Mapping[str, Any]) -> LedgerRecord:
    return parse_cms049_event(body).record


def parse_cms049_event(body: bytes | str | Mapping[str, Any]) -> Cms049Event:
    data = _as_mapping(body)
    document = str(data.get("document") or data.get("documentName") or data.get("table") or "").upper()
    if document != TABLE:
        raise ValueError(f"CMS049 event: document must be {TABLE}, got {document or 'nothing'}")
    fields = _columns(data.get("fields"), "fields")
    if not fields:
        raise ValueError("CMS049 event: no fields")
    old = _columns(data.get("oldFields"), "oldFields") if data.get("oldFields") else {}
    record = ledger_record_from_fields(fields, "CMS049 FSLEDG event")
    return Cms049Event(event_id=str(data.get("eventId") or data.get("id") or ""),
                       operation=str(data.get("operation") or "").upper(),
                       timestamp=str(data.get("timestamp") or ""), message=str(data.get("message") or ""),
                       record=record, changed=frozenset(old))


def _as_mapping(body: bytes | str | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(body, (bytes, str)):
        try:
            body = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ValueError(f"CMS049 event: not JSON ({exc.__class__.__name__})") from None
    if not isinstance(body, Mapping):
        raise ValueError("CMS049 event: body must be a JSON object")
    return body


def _columns(raw: Any, where: str) -> dict[str, Any]:
    if isinstance(raw, list):
        try:
            raw = {str(item["name"]): item.get("value") for item in raw}
        except (TypeError, KeyError):
            raise ValueError(f"CMS049 event: {where} list items need name and value") from None
    if not isinstance(raw, Mapping):
        raise ValueError(f"CMS049 event: {where} must be an object")
    return {_strip(str(k)): v for k, v in raw.items()}


def _strip(column: str) -> str:
    column = column.upper()
    return column[len(PREFIX):] if len(column) == 6 and column.startswith(PREFIX) else column
