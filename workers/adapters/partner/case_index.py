"""Partner case number → our case id (ARCHITECTURE §2).

Partners echo our reference, but some messages (a receipt file line, a settlement line, a
status file) only name the partner's own case number. The gateway remembers the pair when a
receipt arrives and resolves later messages through it. Production backs this with a compacted
topic; this module fixes the interface and gives the in-memory implementation used by tests
and by the gateway until then.
"""

from __future__ import annotations

from typing import Protocol


class CaseIndexConflict(ValueError):
    """A partner case number is already bound to a different case: never overwrite silently."""


class CaseIndex(Protocol):
    def remember(self, partner: str, case_no: str, case_id: str) -> bool:
        """Bind the pair; True when new, False when already known. Raises CaseIndexConflict."""
        ...

    def resolve(self, partner: str, case_no: str) -> str | None: ...


class InMemoryCaseIndex:
    """Dictionary-backed CaseIndex; case numbers are unique per partner, not globally."""

    def __init__(self) -> None:
        self._pairs: dict[tuple[str, str], str] = {}

    def remember(self, partner: str, case_no: str, case_id: str) -> bool:
        key = (partner, case_no)
        known = self._pairs.get(key)
        if known == case_id:
            return False
        if known is not None:
            raise CaseIndexConflict(f"{partner} case {case_no} is already bound to {known}, not {case_id}")
        self._pairs[key] = case_id
        return True

    def resolve(self, partner: str, case_no: str) -> str | None:
        return self._pairs.get((partner, case_no))

    def __len__(self) -> int:
        return len(self._pairs)
