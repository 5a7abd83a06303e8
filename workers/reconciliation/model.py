"""The three views being reconciled, and what a difference between them looks like.

Plain frozen dataclasses with `Decimal` money, so the comparison is a pure function that unit
tests feed directly, without Kafka, M3 or a partner. Amounts are the systems' own figures,
never recomputed in floats: an øre of difference is a difference.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

KINDS = (
    "missing_at_partner",         # we have a case, the partner holds none (or rejected it)
    "missing_in_m3",              # the invoice is not in M3, or not in collection there while the case is active
    "missing_in_log",             # M3 shows the invoice in collection, our log has no case for it
    "amount_mismatch",            # M3 open amount, partner balance and our expected open amount disagree
    "status_mismatch",            # partner status / M3 reminder stop differ from our case's code
    "case_no_mismatch",           # the partner's case number is not the one our log recorded
    "duplicate_at_partner",       # the partner holds more than one live case for one invoice
    "closed_settled_not_booked",  # closed settled / settlement received, but no statement posted in M3
    "settlement_refused",         # a settlement line failed our validation: money paid out, not booked
    "journal_unbalanced",         # a recorded statement journal whose debits and credits differ
)


@dataclass(frozen=True)
class LogCase:
    """One handed-over case as `case.events` tells it (state `active` or `closed`)."""

    case_id: str
    partner: str
    state: str
    code: int
    status: str | None = None
    case_no: str | None = None
    currency: str | None = None
    open_amount: Decimal = Decimal("0.00")
    """What M3 should show open once everything we know of is booked (M3's last figure, less
    principal we accepted from settlements)."""
    settled_principal: Decimal = Decimal("0.00")
    unbooked: tuple[tuple[str, Decimal], ...] = ()
    """(settlement id, principal) of accepted lines whose statement M3 has not confirmed."""

    @property
    def division(self) -> str:
        return self.case_id.split("/")[1]

    @property
    def unbooked_principal(self) -> Decimal:
        return sum((principal for _, principal in self.unbooked), Decimal("0.00"))


@dataclass(frozen=True)
class SettlementPart:
    """One settlement's part for one division, as our log recorded it."""

    settlement_id: str
    division: str
    partner: str
    payout: Decimal
    posted: bool
    balanced: bool
    refused: tuple[tuple[str, str], ...] = ()
    """(case id, reason) of lines our validation refused: paid out, never booked."""

    @property
    def external_reference(self) -> str:
        """The ABS100 head's XREF, how M3 finds the statement (`{settlement id}/{division}`)."""
        return f"{self.settlement_id}/{self.division}"


@dataclass(frozen=True)
class M3Invoice:
    case_id: str
    open_amount: Decimal
    reminder_stop: int
    stopped_by: str = ""
    currency: str = ""

    @property
    def division(self) -> str:
        return self.case_id.split("/")[1]


@dataclass(frozen=True)
class PartnerCase:
    """The partner's view of one registration; `status` is canonical, None when unmapped."""

    reference: str
    partner: str
    case_no: str | None
    raw_status: str
    status: str | None
    balance: Decimal


@dataclass(frozen=True)
class Views:
    """Everything gathered for one run. A system not read for a division or partner is left
    out of `m3_divisions` / `partners_read`, and nothing is concluded about it there."""

    log: dict[str, LogCase]
    settlements: tuple[SettlementPart, ...] = ()
    m3: dict[str, M3Invoice] = field(default_factory=dict)
    m3_divisions: frozenset[str] = frozenset()
    m3_posted_statements: frozenset[str] | None = None
    """External references of statements M3 shows as posted; None when not read."""
    partner: dict[str, tuple[PartnerCase, ...]] = field(default_factory=dict)
    partners_read: frozenset[str] = frozenset()
    division_partner: dict[str, str] = field(default_factory=dict)
    division_scope: str | None = None
    partner_scope: str | None = None

    def covers(self, division: str, partner: str) -> bool:
        """Inside `--division` / `--partner`, when given."""
        return self.division_scope in (None, division) and self.partner_scope in (None, partner)


@dataclass(frozen=True)
class Discrepancy:
    kind: str
    division: str
    partner: str
    case_id: str | None
    detail: str
    m3_amount: Decimal | None = None
    partner_amount: Decimal | None = None
    log_amount: Decimal | None = None
    settlement_id: str | None = None
    currency: str | None = None

    def sort_key(self) -> tuple[str, str, str, str, str]:
        return (self.division, self.partner, self.case_id or "", self.kind, self.settlement_id or "")
