"""``m3.posting_booked``: a payment or credit note booked in M3 against an invoice (DOMAIN §2.3).

The amount is a magnitude and ``kind`` says the direction. ``open_amount_after`` is M3's OCUA
after the posting: the case takes the open amount from M3 instead of subtracting amounts itself.
``function`` (FEID-FNCN) decides whether the posting is forwarded to the partner, and
``posting_id`` is M3's unique id, so a posting seen twice is recognised as the same one.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from contracts.base import Payload, Text
from contracts.identity import FamFunction, InvoiceRef, Segment
from contracts.money import Amount, Currency, SignedAmount

PostingKind = Literal["payment", "credit"]


class PostingBooked(InvoiceRef, Payload):
    """A payment or credit note posted on the invoice, with M3's open amount after it."""

    message_type = "m3.posting_booked"

    kind: PostingKind
    amount: Amount
    function: FamFunction
    booking_date: date
    open_amount_after: SignedAmount
    currency: Currency
    posting_id: Text
    payer: Segment | None = None
