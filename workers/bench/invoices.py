"""The bench's input: real overdue-invoice envelopes, and the world that makes them eligible.

Every phase moves the same bytes — `contracts.encode` of a `ledger.invoice_overdue` envelope
(about 0.9 KB) keyed by its case id — so the raw-client baseline and the service are compared
on equal payloads. The invoices are built to be handed over (linked, unpaused divisions of the
demo's sample group, old enough on the bench's business date, above every minimum), so each
one exercises the full path: decision, case event, partner registration, M3 reminder stop.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from contracts import encode, message_key, new_message
from workers.config_events.clock import set_business_date
from workers.config_events.store import apply_configuration
from workers.demo.sample_group import configuration
from workers.infra.settings import Settings

BUSINESS_DATE = date(2026, 3, 16)
DUE_DATE = date(2026, 1, 15)
DIVISIONS = ("001", "004")          # INTRUM and SVEA; 011 is paused and 099 unlinked in the sample group
CUSTOMERS = 50
COMPANY = "100"


def invoice_number(index: int) -> str:
    return f"9{index:09d}"


def customer_number(index: int) -> str:
    return f"{200001 + index % CUSTOMERS}"


def _amount(index: int) -> str:
    return f"{1000 + index % 9000}.{index % 100:02d}"


def overdue_payload(index: int) -> dict[str, Any]:
    customer = customer_number(index)
    return {
        "company": COMPANY, "division": DIVISIONS[index % len(DIVISIONS)], "invoice": invoice_number(index),
        "year": 2026, "customer": customer, "invoice_date": DUE_DATE - timedelta(days=14), "due_date": DUE_DATE,
        "amount": _amount(index), "open_amount": _amount(index), "currency": "NOK", "kid": f"{invoice_number(index)}5",
        "reminder_rule": "CR1", "reminders_sent": 2, "last_reminder_date": date(2026, 2, 20),
        "debtor": {"name": f"Bench Kunde {customer} AS", "org_no": f"9{int(customer):08d}", "private": False,
                   "email": f"faktura{customer}@kunde.example",
                   "address": {"line1": f"Storgata {int(customer) % 97}", "postcode": "0155", "city": "Oslo",
                               "country": "NO"},
                   "collection_blocked": False},
    }


def encoded_invoices(count: int, start: int = 0) -> Iterator[tuple[bytes, bytes]]:
    """(key, value) of `count` overdue-invoice envelopes numbered from `start`, each a fresh event."""
    for index in range(start, start + count):
        envelope = new_message("ledger.invoice_overdue", overdue_payload(index), source="dcs-bench")
        yield message_key(envelope) or b"", encode("ledger.overdue", envelope)


def case_id(index: int) -> str:
    return f"{COMPANY}/{DIVISIONS[index % len(DIVISIONS)]}/{invoice_number(index)}/2026"


def apply_world(settings: Settings) -> dict[str, Any]:
    """Configuration (the demo's sample group) and the business date, before any worker starts."""
    config = configuration()
    apply_configuration(settings, config, actor="dcs-bench")
    set_business_date(settings, BUSINESS_DATE)
    return config


def m3_world(count: int, start: int = 0, *, config: dict[str, Any] | None = None) -> dict[str, Any]:
    """The `/_sandbox/load` body that lets the M3 gateway set reminder stops on these invoices."""
    config = config or configuration()
    customers = [{"customer": customer_number(i), "name": f"Bench Kunde {customer_number(i)} AS",
                  "org_no": f"9{int(customer_number(i)):08d}", "private": False, "reminder_rule": "CR1",
                  "address": {"line1": "Storgata 1", "postcode": "0155", "city": "Oslo", "country": "NO"}}
                 for i in range(CUSTOMERS)]
    invoices = []
    for index in range(start, start + count):
        payload = overdue_payload(index)
        invoices.append({key: str(payload[key]) for key in ("division", "customer", "invoice", "invoice_date",
                                                             "due_date", "amount", "currency", "kid",
                                                             "reminder_rule")}
                        | {"year": 2026, "reminders": 2, "last_reminder": "2026-02-20"})
    return {"company": config["company"], "customers": customers, "invoices": invoices,
            "accounts": config["accounts"],
            "settlement_functions": {p: v["settlement_functions"] for p, v in config["partners"].items()}}
