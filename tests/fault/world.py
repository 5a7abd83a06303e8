"""The fault run's group: the demo's configuration (every division live) and N seeded invoices.

Which invoices must reach a partner is known by construction, not by asking the service: an
invoice is eligible unless its division is unlinked, it is a credit item, or its customer is
blocked for collection. Everything else is overdue long enough, above every minimum, under a
reminder rule its partner takes, so the expectation cannot drift with the rules it tests.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from workers.demo.sample_group import configuration as demo_configuration

START = date(2026, 3, 1)
COMPANY = "100"
PARTNER_OF = {"001": "INTRUM", "004": "SVEA", "011": "SVEA"}
UNLINKED = "099"
CUSTOMERS = 200
BLOCKED = frozenset({17, 93, 151})


@dataclass(frozen=True)
class Invoice:
    division: str
    number: str
    amount: Decimal
    customer: int

    @property
    def case_id(self) -> str:
        return f"{COMPANY}/{self.division}/{self.number}/{START.year}"

    @property
    def partner(self) -> str | None:
        return PARTNER_OF.get(self.division)

    @property
    def eligible(self) -> bool:
        return self.partner is not None and self.amount > 0 and self.customer not in BLOCKED


def configuration() -> dict[str, Any]:
    config = demo_configuration()
    for division in config["divisions"].values():
        division["paused"] = False
    return config


def customers(rng: random.Random) -> list[dict[str, Any]]:
    result = []
    for number in range(1, CUSTOMERS + 1):
        private = number % 4 == 0
        customer: dict[str, Any] = {
            "customer": f"{200000 + number}", "name": f"Fault Kunde {number}", "private": private,
            "address": {"line1": f"Kirkegata {number}", "postcode": "0153", "city": "Oslo", "country": "NO"},
            "email": f"faktura{number}@fault.example", "reminder_rule": "CR1",
            "collection_blocked": number in BLOCKED,
        }
        if private:
            customer["national_id"] = f"{rng.randint(1, 28):02d}0{rng.randint(1, 9)}{rng.randint(50, 99)}{rng.randint(10000, 99999)}"
        else:
            customer["org_no"] = f"9{rng.randint(10000000, 99999999)}"
        result.append(customer)
    return result


def invoices(rng: random.Random, count: int) -> list[Invoice]:
    cycle = [*PARTNER_OF, *PARTNER_OF, *PARTNER_OF, *PARTNER_OF, UNLINKED]
    result = []
    for number in range(1, count + 1):
        amount = Decimal(rng.randint(200, 20000)) + Decimal(rng.randint(0, 99)) / 100
        if number % 41 == 0:
            amount = -amount
        result.append(Invoice(cycle[number % len(cycle)], f"27{number:07d}", amount, rng.randint(1, CUSTOMERS)))
    return result


def m3_load_body(config: dict[str, Any], group: list[Invoice], rng: random.Random) -> dict[str, Any]:
    """What the M3 sandbox's `/_sandbox/load` takes: the tenant's customers and open invoices."""
    rows = []
    for invoice in group:
        due = START - timedelta(days=rng.randint(30, 90))
        rows.append({"division": invoice.division, "customer": f"{200000 + invoice.customer}",
                     "invoice": invoice.number, "year": START.year,
                     "invoice_date": (due - timedelta(days=14)).isoformat(), "due_date": due.isoformat(),
                     "amount": f"{invoice.amount:.2f}", "currency": "NOK", "kid": f"{invoice.number}5"})
    return {"reset": True, "company": COMPANY, "customers": customers(rng), "invoices": rows,
            "accounts": config["accounts"],
            "settlement_functions": {p: v["settlement_functions"] for p, v in config["partners"].items()}}
