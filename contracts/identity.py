"""Business identities that become Kafka keys: the case id and the settlement id.

The case id is the invoice's business key ``{company}/{division}/{invoice}/{year}`` (DOMAIN §2.0).
Every case-scoped message carries it, so one partition owns a case (ARCHITECTURE §2); it must be
spelled the same way by every producer, hence one pattern and one builder here. A settlement id is
the partner's payout id prefixed by the partner id, so two partners' ids can never collide.
"""

from __future__ import annotations

import re
from typing import Annotated, NamedTuple

from pydantic import Field, StringConstraints

from contracts.base import Contract

CASE_ID_PATTERN = r"^[^/\s]+/[^/\s]+/[^/\s]+/\d{4}$"
SETTLEMENT_ID_PATTERN = r"^[^/\s]+/\S+$"
_SEGMENT = re.compile(r"[^/\s]+")

CaseId = Annotated[str, StringConstraints(pattern=CASE_ID_PATTERN)]
SettlementId = Annotated[str, StringConstraints(pattern=SETTLEMENT_ID_PATTERN)]
Segment = Annotated[str, StringConstraints(pattern=r"^[^/\s]+$")]
"""One part of a composite id (company, division, invoice, partner): no slash, no whitespace."""
Year = Annotated[int, Field(ge=1000, le=9999)]
FamFunction = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{1,4}-[0-9A-Z]{1,3}$")]
"""M3 accounting (FAM) function FEID-FNCN, e.g. ``AB10-001``."""


class InvoiceKey(NamedTuple):
    company: str
    division: str
    invoice: str
    year: int


def case_id(company: str, division: str, invoice: str, year: int | str) -> str:
    """Build the case id of an invoice; refuses parts that would make it ambiguous."""
    parts = (str(company), str(division), str(invoice))
    bad = [p for p in parts if not _SEGMENT.fullmatch(p)]
    if bad:
        raise ValueError("case id parts must be non-empty and contain no '/' or whitespace")
    text = f"{parts[0]}/{parts[1]}/{parts[2]}/{year}"
    if not re.fullmatch(CASE_ID_PATTERN, text):
        raise ValueError("case id year must have 4 digits")
    return text


def parse_case_id(text: str) -> InvoiceKey:
    """Split a case id back into the invoice key M3 understands."""
    if not isinstance(text, str) or not re.fullmatch(CASE_ID_PATTERN, text):
        raise ValueError("not a case id: expected {company}/{division}/{invoice}/{year}")
    company, division, invoice, year = text.split("/")
    return InvoiceKey(company, division, invoice, int(year))


def settlement_id(partner: str, partner_settlement_id: str) -> str:
    """The settlement id for a partner's own payout id: ``{partner}/{their id}``."""
    text = f"{partner}/{partner_settlement_id}"
    if not _SEGMENT.fullmatch(partner) or not re.fullmatch(SETTLEMENT_ID_PATTERN, text):
        raise ValueError("settlement id: partner id without '/', then an id without whitespace")
    return text


class InvoiceRef(Contract):
    """The four fields that name an M3 invoice; payloads that carry them route by their case id."""

    company: Segment
    division: Segment
    invoice: Segment
    year: Year

    @property
    def invoice_key(self) -> InvoiceKey:
        return InvoiceKey(self.company, self.division, self.invoice, self.year)

    def default_case_id(self) -> str | None:
        return case_id(self.company, self.division, self.invoice, self.year)
