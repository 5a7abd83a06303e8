"""Whether an overdue invoice may be handed to a collection partner (DOMAIN §2.1 step 2).

The checks run in a fixed order, so the recorded reason is always the same for the same facts:

1. history — `already_active`, `handed_over_before`: idempotency first; an invoice that is or
   was in a case gets that answer whatever else has changed since;
2. where it belongs — `other_company`, `division_unlinked`;
3. facts about the invoice and customer that neither time nor the link's pause cures —
   `credit_item`, `not_open`, `customer_blocked`, `invoice_blocked`, `reminder_rule`,
   `below_minimum`;
4. the curable ones last — `division_paused` (waits for unpause), then `too_early` (waits for a
   date) — so an invoice is deferred only if it would otherwise go, and a re-check never turns
   a promise into a surprise skip.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from workers.domain.configuration import Configuration, DivisionLink

CaseHistory = Literal["none", "active", "closed", "rejected"]


@dataclass(frozen=True, slots=True)
class OverdueInvoice:
    """An invoice M3 has reminded enough; amounts are M3's signed values."""

    company: str
    division: str
    invoice: str
    year: int
    customer: str
    due_date: date
    amount: Decimal
    open_amount: Decimal
    currency: str
    reminder_rule: str | None
    customer_reminder_rule: str | None
    collection_code: int
    customer_collection_blocked: bool
    private: bool

    @property
    def case_id(self) -> str:
        return f"{self.company}/{self.division}/{self.invoice}/{self.year}"

    @property
    def effective_reminder_rule(self) -> str | None:
        """The invoice's own rule wins over the customer's (CRS610 RMCT)."""
        return self.reminder_rule or self.customer_reminder_rule


@dataclass(frozen=True, slots=True)
class Eligible:
    partner_id: str
    division_link: DivisionLink


@dataclass(frozen=True, slots=True)
class Skip:
    rule: str
    reason: str


@dataclass(frozen=True, slots=True)
class Defer:
    """Not yet: re-check on `until` (waits_for "date") or when the link is unpaused."""

    rule: str
    reason: str
    until: date | None
    waits_for: Literal["date", "unpause"]


Decision = Eligible | Skip | Defer


def check_eligibility(
    invoice: OverdueInvoice, cfg: Configuration, business_date: date, history: CaseHistory
) -> Decision:
    if history == "active":
        return Skip("already_active", f"invoice {invoice.case_id} is already in an active case")
    if history in ("closed", "rejected"):
        what = "its case is closed" if history == "closed" else "its registration was rejected"
        return Skip("handed_over_before", f"handed over before: {what}")
    if invoice.company != cfg.company:
        return Skip("other_company", f"company {invoice.company} is not {cfg.company}")
    link = cfg.division_link(invoice.division)
    if link is None:
        return Skip("division_unlinked", f"division {invoice.division} is not linked to a partner")
    partner = cfg.partners[link.partner]
    skip = _permanent_skip(invoice, cfg, link)
    if skip is not None:
        return skip
    if link.paused:
        return Defer("division_paused", f"division {invoice.division} is paused", None, "unpause")
    ready = invoice.due_date + timedelta(days=partner.min_days(invoice.private))
    if business_date < ready:
        debtor = "private" if invoice.private else "business"
        return Defer(
            "too_early",
            f"{link.partner} takes {debtor} cases {partner.min_days(invoice.private)} days after "
            f"the due date {invoice.due_date.isoformat()}: not before {ready.isoformat()}",
            ready,
            "date",
        )
    return Eligible(link.partner, link)


def _permanent_skip(invoice: OverdueInvoice, cfg: Configuration, link: DivisionLink) -> Skip | None:
    partner = cfg.partners[link.partner]
    rule = invoice.effective_reminder_rule
    if invoice.amount < 0:
        return Skip("credit_item", f"credit item ({invoice.amount}) is never sent for collection")
    if invoice.open_amount <= 0:
        return Skip("not_open", f"nothing open (open amount {invoice.open_amount})")
    if invoice.customer_collection_blocked:
        return Skip("customer_blocked", f"customer {invoice.customer} is blocked for collection")
    if invoice.collection_code in cfg.blocking_collection_codes:
        return Skip(
            "invoice_blocked", f"collection code {invoice.collection_code} blocks debt collection"
        )
    if rule not in partner.reminder_rules:
        named = f"reminder rule {rule}" if rule else "no reminder rule"
        return Skip("reminder_rule", f"{named} is not one of {link.partner}'s rules")
    if invoice.open_amount < partner.min_amount:
        return Skip(
            "below_minimum",
            f"open amount {invoice.open_amount} is below "
            f"{link.partner}'s minimum {partner.min_amount}",
        )
    return None
