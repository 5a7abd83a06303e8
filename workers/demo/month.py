"""The simulated month: day by day, M3's reminder run sends invoices over, customers pay some
directly, the partner (autonomous sandbox) works its cases and pays out settlements, and one
paused division is unpaused halfway. Everything goes through the real workers over Kafka/HTTP.
"""

from __future__ import annotations

import copy
import random
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx

from workers.config_events.clock import set_business_date
from workers.config_events.store import apply_configuration
from workers.demo.sample_group import START, DemoInvoice, configuration, customers, invoices
from workers.scenario.stack import Stack

ACTOR = "demo"


@dataclass
class MonthLog:
    overdue_sent: int = 0
    payments: int = 0
    credits: int = 0
    refused: int = 0
    unpaused_on: date | None = None
    days: list[date] = field(default_factory=list)


def load_world(stack: Stack, rng: random.Random) -> tuple[dict[str, Any], list[DemoInvoice]]:
    config = configuration()
    apply_configuration(stack.settings, config, actor=ACTOR)
    set_business_date(stack.settings, START)
    group = invoices(rng)
    body = {"reset": True, "company": config["company"], "customers": customers(rng),
            "invoices": [i.data for i in group], "accounts": config["accounts"],
            "settlement_functions": {p: v["settlement_functions"] for p, v in config["partners"].items()}}
    httpx.post(f"{stack.m3_url}/_sandbox/load", json=body, timeout=30).raise_for_status()
    return config, group


def play_month(stack: Stack, config: dict[str, Any], group: list[DemoInvoice], rng: random.Random, days: int,
               on_day=lambda day, log: None, seconds_per_day: float = 1.5) -> MonthLog:
    log = MonthLog()
    http = httpx.Client(timeout=60)
    rules = config["reminder_rules"]
    for offset in range(days):
        day = START + timedelta(days=offset)
        set_business_date(stack.settings, day)
        if offset == days // 2:
            unpaused = copy.deepcopy(config)
            unpaused["divisions"]["011"]["paused"] = False
            apply_configuration(stack.settings, unpaused, actor=ACTOR)
            log.unpaused_on = day
        for invoice in (i for i in group if i.overdue_on == day):
            http.post(f"{stack.m3_url}/_sandbox/overdue", json={
                "division": invoice.data["division"], "invoice": invoice.data["invoice"], "year": 2026,
                "reminders": max(rule["reminders_required"] for rule in rules.values()),
                "last_reminder": (day - timedelta(days=1)).isoformat()}).raise_for_status()
            log.overdue_sent += 1
        _customers_pay(http, stack, rng, day, log)
        log.days.append(day)
        on_day(day, log)
        time.sleep(seconds_per_day)
    http.close()
    return log


def _customers_pay(http: httpx.Client, stack: Stack, rng: random.Random, day: date, log: MonthLog) -> None:
    """A few customers pay the creditor directly, or get a credit note, while in collection."""
    state = http.get(f"{stack.m3_url}/_sandbox/state").json()
    in_collection = [i for i in state["invoices"] if i["reminder_stop"] in (2, 3, 4) and Decimal(i["open_amount"]) > 0]
    for invoice in rng.sample(in_collection, k=min(len(in_collection), rng.randint(0, 2))):
        open_amount = Decimal(invoice["open_amount"])
        kind = "credit" if rng.random() < 0.3 else "payment"
        amount = open_amount if rng.random() < 0.4 else (open_amount * Decimal(rng.randint(10, 60)) / 100).quantize(Decimal("0.01"))
        response = http.post(f"{stack.m3_url}/_sandbox/postings", json={
            "division": invoice["division"], "invoice": invoice["invoice"], "year": invoice["year"], "kind": kind,
            "amount": f"{amount:.2f}", "function": "AB10-001" if kind == "payment" else "AB10-020",
            "date": day.isoformat()})
        if response.status_code == 409:  # M3 refuses (e.g. more than is open after a settlement): not booked
            log.refused += 1
            continue
        response.raise_for_status()
        if kind == "payment":
            log.payments += 1
        else:
            log.credits += 1
