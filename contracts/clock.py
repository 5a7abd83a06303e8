"""``clock``: the shared business date of demo and scenario runs (DOMAIN §2.0).

Rules about days (overdue, deferral, stop date) read the business date, so scenarios can move
time forward for every worker at once. Production has no clock topic: the date is today in the
tenant's zone.
"""

from __future__ import annotations

from datetime import date

from contracts.base import Payload

CLOCK_KEY = "clock"


class BusinessDateSet(Payload):
    """The business date every worker uses from now on."""

    message_type = "clock.business_date_set"

    business_date: date

    def default_key(self) -> str | None:
        return CLOCK_KEY
