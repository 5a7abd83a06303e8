"""How an M3 call can fail, in the two kinds a gateway must tell apart.

Permanent: M3 understood and said no (an error inside HTTP 200, a 4xx) — retrying the same
request cannot help; a person has to look. The one error inside 200 that is not permanent is
"record is being changed by another job, try again later": a lock held by another job, after
which nothing was done, so the same request may simply be sent again (`M3RecordLocked`). Transient: M3 could not be reached or kept failing
(429/5xx/timeouts) until the retry budget was spent — try again later. A transient failure is
*uncertain* when a write may have reached M3 before the connection broke (a timeout or a lost
connection after sending): the caller must ask M3 what exists before sending the write again.
"""

from __future__ import annotations


class M3Error(Exception):
    def __init__(self, message: str, *, program: str = "", transaction: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.program = program
        self.transaction = transaction


class M3PermanentError(M3Error):
    def __init__(self, message: str, *, program: str = "", transaction: str = "", code: str = "",
                 field: str = "", error_type: str = "", status: int | None = None) -> None:
        super().__init__(message, program=program, transaction=transaction)
        self.code = code
        self.field = field
        self.error_type = error_type
        self.status = status

    def __str__(self) -> str:
        where = f"{self.program}/{self.transaction}: " if self.program else ""
        extra = ", ".join(p for p in (self.code and f"code {self.code}", self.field and f"field {self.field}",
                                      self.status and f"HTTP {self.status}") if p)
        return f"{where}{self.message}" + (f" ({extra})" if extra else "")


class M3AuthError(M3PermanentError):
    """The ION API authorization server refused the credentials, or a fresh token was refused."""


class M3TransientError(M3Error):
    def __init__(self, message: str, *, program: str = "", transaction: str = "",
                 uncertain: bool = False, attempts: int = 0) -> None:
        super().__init__(message, program=program, transaction=transaction)
        self.uncertain = uncertain
        self.attempts = attempts


class M3RecordLocked(M3TransientError):
    """An error inside HTTP 200 saying another job holds the record; nothing was changed."""

    def __init__(self, message: str, *, program: str = "", transaction: str = "", code: str = "") -> None:
        super().__init__(message, program=program, transaction=transaction, uncertain=False)
        self.code = code
        self.field = ""

    def __str__(self) -> str:
        where = f"{self.program}/{self.transaction}: " if self.program else ""
        return f"{where}{self.message}" + (f" (code {self.code})" if self.code else "")
