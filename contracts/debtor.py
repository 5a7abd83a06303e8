"""The debtor as M3's customer master describes them at hand-over time.

This is personal data (GDPR, DOMAIN §4). It may travel only on short-retention topics
(``ledger.overdue``, ``partner.commands``); ``case.events`` names the debtor by customer number
only, which is why no case event model has a field of these types.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from contracts.base import Contract, Text

CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+$")]


class Address(Contract):
    line1: Text
    line2: str | None = None
    postcode: Text
    city: Text
    country: CountryCode


class Debtor(Contract):
    """Snapshot of the customer (CRS610): who the partner will collect from.

    ``private`` decides which statutory deadlines apply (consumer vs business);
    ``collection_blocked`` is the customer-master flag that makes every invoice ineligible.
    Both are required: a missing flag must not silently mean "business" or "not blocked".
    """

    name: Text
    org_no: str | None = None
    national_id: str | None = None
    private: bool
    address: Address
    email: Email | None = None
    phone: str | None = None
    collection_blocked: bool
