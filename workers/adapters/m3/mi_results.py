"""Reading the MI REST v2 answer: one `TransactionResult` per transaction, errors included.

M3 puts business errors inside HTTP 200 (`errorMessage`, `errorCode`, `errorField`,
`errorType`, padded with blanks), one result per transaction; a terminated bulk request leaves
results out. Every result is therefore checked, and a missing one counts as failed. A record
lock ("being changed by another job, try again later") is the one such error worth retrying.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workers.adapters.m3.errors import M3Error, M3PermanentError, M3RecordLocked

Record = dict[str, str]
LOCK_CODES = frozenset({"XLK0001"})
LOCK_PHRASES = ("being changed by another", "record is locked", "locked by another", "try again later")


@dataclass(frozen=True)
class TransactionResult:
    transaction: str
    ok: bool
    records: list[Record] = field(default_factory=list)
    error_message: str = ""
    error_code: str = ""
    error_field: str = ""
    error_type: str = ""

    @property
    def locked(self) -> bool:
        message = self.error_message.lower()
        return self.error_code in LOCK_CODES or any(phrase in message for phrase in LOCK_PHRASES)

    def error(self, program: str) -> M3Error:
        """Permanent, unless another job held the record (then the same call may be sent again)."""
        if self.locked:
            return M3RecordLocked(self.error_message, program=program, transaction=self.transaction,
                                  code=self.error_code)
        return M3PermanentError(self.error_message or "M3 reported an error", program=program,
                                transaction=self.transaction, code=self.error_code,
                                field=self.error_field, error_type=self.error_type)


def parse_results(body: Any, program: str, transactions: list[str]) -> list[TransactionResult]:
    if not isinstance(body, dict):
        raise M3PermanentError("MI answer is not a JSON object", program=program)
    raw = body.get("results")
    if raw is None:
        if not any(k in body for k in ("errorMessage", "errorCode", "errorType")):
            raise M3PermanentError("MI answer has no results", program=program)
        raw = [body]
    results = [_result(r, transactions[i] if i < len(transactions) else "") for i, r in enumerate(raw)]
    for name in transactions[len(results):]:
        results.append(TransactionResult(name, False, error_message="not executed: bulk request was terminated",
                                         error_type="Terminated"))
    return results


def _result(raw: Any, expected: str) -> TransactionResult:
    if not isinstance(raw, dict):
        return TransactionResult(expected, False, error_message="malformed result", error_type="Malformed")
    name = str(raw.get("transaction") or expected)
    message = str(raw.get("errorMessage") or "").strip()
    code, fld, kind = (str(raw.get(k) or "").strip() for k in ("errorCode", "errorField", "errorType"))
    if message or code or kind:
        return TransactionResult(name, False, error_message=message, error_code=code,
                                 error_field=fld, error_type=kind)
    records = [{str(k): str(v).strip() for k, v in r.items()} for r in raw.get("records") or []
               if isinstance(r, dict)]
    return TransactionResult(name, True, records)
