"""``ledger.invoice_overdue``: an invoice M3 considers ripe for collection (DOMAIN §2.1).

Whatever the transport (MEC/ION mapping, CMS049 event, our poller), the invoice lands here in
one shape. Amounts are M3's signed values: a negative open amount is a credit item, which is
valid input and becomes a recorded skip, never a dead letter.

History: version 1 called the reminder count ``reminders`` and had no ``disputed`` flag;
``upcast_v1`` turns such a payload into version 2 (see ``contracts.registry``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import Field

from contracts.base import Payload, Text
from contracts.debtor import Debtor
from contracts.identity import InvoiceRef, Segment
from contracts.money import Currency, SignedAmount


class InvoiceOverdue(InvoiceRef, Payload):
    """An overdue invoice with everything eligibility and registration need (version 2).

    ``reminder_rule`` is the rule that applies: the invoice's own, else the customer's (CRS610
    RMCT), resolved by the producer; None only when neither has one (then no partner takes it);
    ``collection_code`` is M3's CLCD, whose blocking values are configuration.
    """

    message_type = "ledger.invoice_overdue"

    customer: Segment
    payer: Segment | None = None
    invoice_date: date
    due_date: date
    amount: SignedAmount
    open_amount: SignedAmount
    currency: Currency
    kid: Text | None = None
    reminder_rule: Text | None = None
    reminders_sent: int = Field(ge=0)
    last_reminder_date: date | None = None
    collection_code: int = Field(default=0, ge=0)
    disputed: bool = False
    debtor: Debtor


def upcast_v1(payload: dict[str, Any]) -> dict[str, Any]:
    """Version 1 → 2: ``reminders`` became ``reminders_sent``; ``disputed`` is new (False)."""
    upgraded = dict(payload)
    if "reminders" in upgraded:
        upgraded["reminders_sent"] = upgraded.pop("reminders")
    upgraded.setdefault("disputed", False)
    return upgraded
