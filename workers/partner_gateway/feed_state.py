"""What the gateway remembers per partner between feed reads, kept in changelogged faust tables.

- the delta-feed **cursor**: where the next read starts. Kept (not derived by re-reading the
  whole feed at start-up) because a real partner's feed holds years of events;
- the **case-number index** (partner case number → our case id, ARCHITECTURE §2), filled from
  receipts, for entries and files that name only the partner's number;
- entries **held** because their case number is not in the index yet, released when it is.

Writes are staged in a ``FeedBatch`` and applied only after the batch's messages were
acknowledged by the broker, so a crash in between re-reads the same entries from the old cursor
and re-publishes the same message ids; nothing is skipped. All keys of one partner are written
while handling that partner's pull request, so they live in one table partition.
"""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from typing import Any

from workers.adapters.partner import CaseIndexConflict, StatusChange

Table = MutableMapping[bytes, bytes]


def _key(partner: str, case_no: str) -> bytes:
    return f"{partner}/{case_no}".encode()


class FeedState:
    def __init__(self, cursors: Table, case_numbers: Table, held: Table) -> None:
        self.cursors = cursors
        self.case_numbers = case_numbers
        self.held = held

    def cursor(self, partner: str) -> str | None:
        raw = self.cursors.get(partner.encode())
        return raw.decode() if raw else None

    def case_id(self, partner: str, case_no: str) -> str | None:
        raw = self.case_numbers.get(_key(partner, case_no))
        return raw.decode() if raw else None

    def held_changes(self, partner: str, case_no: str) -> list[StatusChange]:
        raw = self.held.get(_key(partner, case_no))
        return [StatusChange.model_validate(item) for item in json.loads(raw)] if raw else []


class FeedBatch:
    """The index, held entries and cursor as one pull changes them, applied at ``commit``."""

    def __init__(self, state: FeedState, partner: str) -> None:
        self.state = state
        self.partner = partner
        self._bound: dict[str, str] = {}
        self._held: dict[str, list[StatusChange]] = {}

    def case_id(self, case_no: str) -> str | None:
        return self._bound.get(case_no) or self.state.case_id(self.partner, case_no)

    def bind(self, case_no: str, case_id: str) -> bool:
        """Remember the pair; True when new. A number bound to another case is refused."""
        known = self.case_id(case_no)
        if known == case_id:
            return False
        if known is not None:
            raise CaseIndexConflict(f"{self.partner} case {case_no} is already bound to {known}, not {case_id}")
        self._bound[case_no] = case_id
        return True

    def hold(self, change: StatusChange) -> None:
        assert change.case_no
        waiting = self.held(change.case_no)
        if all(known.event_id != change.event_id for known in waiting):
            waiting.append(change)

    def held(self, case_no: str) -> list[StatusChange]:
        if case_no not in self._held:
            self._held[case_no] = self.state.held_changes(self.partner, case_no)
        return self._held[case_no]

    def release(self, case_no: str) -> list[StatusChange]:
        released, self._held[case_no] = self.held(case_no), []
        return released

    def commit(self, cursor: str | None) -> None:
        for case_no, case_id in self._bound.items():
            self.state.case_numbers[_key(self.partner, case_no)] = case_id.encode()
        for case_no, changes in self._held.items():
            key = _key(self.partner, case_no)
            if changes:
                self.state.held[key] = _dump(changes)
            elif key in self.state.held:
                del self.state.held[key]
        if cursor is not None and cursor != self.state.cursor(self.partner):
            self.state.cursors[self.partner.encode()] = cursor.encode()


def _dump(changes: list[StatusChange]) -> bytes:
    items: list[Any] = [change.model_dump(mode="json") for change in changes]
    return json.dumps(items).encode()
