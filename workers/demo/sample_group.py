"""The demo's sample group: 3 divisions, 2 partners, 50 customers, 200 invoices (seeded).

Built so every eligibility rule shows up: credit items, blocked customers and invoices, an
unlinked division, a reminder rule the partner does not take, amounts below the minimum,
invoices too young to hand over (deferred, then opened later in the month), and a paused
division that is unpaused halfway.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

START = date(2026, 3, 1)
DIVISIONS = {"001": ("Nordlys Bygg AS", "INTRUM"), "004": ("Fjordkraft Service AS", "SVEA"),
             "011": ("Vestland Handel AS", "SVEA")}
UNLINKED = "099"
CITIES = [("0155", "Oslo"), ("5003", "Bergen"), ("7010", "Trondheim"), ("4006", "Stavanger"), ("9008", "Tromsø")]


def configuration() -> dict[str, Any]:
    accounts = {"clearing": "2902", "receivable": "1500", "interest": "8055", "input_vat": "2710",
                "vat_base": "9000", "vat_base_offset": "9001", "kickback": "3900", "commission": "7790",
                "rounding": "7795", "other": "7799"}
    return {
        "company": "100",
        "reminder_rules": {"CR1": {"reminders_required": 2}, "CR2": {"reminders_required": 3},
                           "CR9": {"reminders_required": 1}},
        "partners": {
            "INTRUM": {"name": "Intrum Norge", "transport": "rest", "reminder_rules": ["CR1", "CR2"],
                       "min_days_overdue": 14, "min_amount": "30.00", "settlement_functions": ["AB10-900"]},
            "SVEA": {"name": "Svea Finans", "transport": "rest", "reminder_rules": ["CR1"],
                     "min_days_overdue": {"private": 14, "business": 10}, "min_amount": "50.00",
                     "settlement_functions": ["AB10-910"]},
        },
        "divisions": {
            division: {"name": name, "partner": partner, "partner_customer_no": "K84307" if division == "001"
                       else f"SV{division}", "paused": division == "011", "country": "NO", "currency": "NOK",
                       "vat_rate": "25"}
            for division, (name, partner) in DIVISIONS.items()
        },
        "fam_functions": {"AB10-001": {"name": "Bank update ABS100", "transfer": True},
                          "AB10-020": {"name": "Manual payment", "transfer": True},
                          "AB10-900": {"name": "Payments Intrum", "transfer": False},
                          "AB10-910": {"name": "Payments Svea", "transfer": False}},
        "blocking_collection_codes": [3],
        "rounding_tolerance": "0.05",
        "accounts": {"*": accounts},
    }


@dataclass(frozen=True)
class DemoInvoice:
    data: dict[str, Any]
    overdue_on: date
    """The day M3's reminder run finds it has had enough reminders (its overdue event)."""


def customers(rng: random.Random) -> list[dict[str, Any]]:
    result = []
    for number in range(1, 51):
        private = number % 3 == 0
        postcode, city = rng.choice(CITIES)
        customer = {
            "customer": f"{100000 + number}", "name": f"Kunde {number} {'ANS' if not private else ''}".strip(),
            "private": private, "address": {"line1": f"Storgata {number}", "postcode": postcode, "city": city,
                                            "country": "NO"},
            "email": f"faktura{number}@kunde.example", "reminder_rule": "CR2" if number % 10 == 0 else "CR1",
            "collection_blocked": number in (7, 21),
        }
        if private:
            customer["national_id"] = f"{rng.randint(1, 28):02d}{rng.randint(1, 12):02d}{rng.randint(50, 99)}{rng.randint(10000, 99999)}"
        else:
            customer["org_no"] = f"9{rng.randint(10000000, 99999999)}"
        result.append(customer)
    return result


def invoices(rng: random.Random) -> list[DemoInvoice]:
    result = []
    divisions = [*DIVISIONS, *DIVISIONS, *DIVISIONS, UNLINKED]
    for number in range(1, 201):
        division = divisions[number % len(divisions)]
        due = START - timedelta(days=rng.randint(-10, 40))
        amount = Decimal(rng.randint(50, 25000)) + Decimal(rng.randint(0, 99)) / 100
        if number % 25 == 0:
            amount = Decimal(rng.randint(5, 29))
        if number % 31 == 0:
            amount = -amount
        data = {
            "division": division, "customer": f"{100000 + rng.randint(1, 50)}", "invoice": f"26{number:07d}",
            "year": 2026, "invoice_date": (due - timedelta(days=14)).isoformat(), "due_date": due.isoformat(),
            "amount": f"{amount:.2f}", "currency": "NOK", "kid": f"26{number:07d}5",
            "collection_code": 3 if number % 29 == 0 else 0,
        }
        if number % 37 == 0:
            data["reminder_rule"] = "CR9"
        overdue_on = max(START, due + timedelta(days=rng.randint(8, 20)))
        result.append(DemoInvoice(data, overdue_on))
    return result
