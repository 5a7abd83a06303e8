"""Turns the `/_sandbox/load` body (the scenario file's `m3` section) into ledger objects.

Keys follow SCENARIOS.md: customers {customer, name, org_no, national_id, private, address
{line1..line4, postcode, city, country}, email, phone, reminder_rule, collection_blocked};
invoices {division, customer, invoice, year, invoice_date, due_date, amount, currency, kid,
optional payer, open_amount (default amount), reminder_rule, collection_code, reminders,
last_reminder}. Dates are ISO (`2025-12-10`) or `YYYYMMDD`; amounts decimal strings (JSON
numbers are read as decimals, never floats). Errors name the offending key.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sandbox.m3.ledger import Customer, Invoice
from sandbox.m3.state import SandboxState


class LoadError(ValueError):
    pass


def load(state: SandboxState, body: dict[str, Any]) -> dict[str, int]:
    if body.get("reset"):
        state.reset()
    if "company" in body:
        state.company = str(body["company"])
    for i, raw in enumerate(body.get("customers", [])):
        c = customer(raw, f"customers[{i}]")
        state.customers[c.customer] = c
    for i, raw in enumerate(body.get("invoices", [])):
        inv = invoice(state, raw, f"invoices[{i}]")
        state.invoices[inv.key] = inv
    for division, mapping in (body.get("accounts") or {}).items():
        state.accounts[str(division)] = {str(k): str(v) for k, v in mapping.items()}
    for partner, functions in (body.get("settlement_functions") or {}).items():
        state.settlement_functions[str(partner)] = [str(f) for f in functions]
    return {"customers": len(state.customers), "invoices": len(state.invoices)}


def customer(raw: dict[str, Any], where: str) -> Customer:
    address = raw.get("address") or {}
    return Customer(
        customer=_req(raw, "customer", where), name=str(raw.get("name", "")),
        org_no=str(raw.get("org_no", "")), national_id=str(raw.get("national_id", "")),
        private=bool(raw.get("private", False)),
        address_lines=[str(address[k]) for k in ("line1", "line2", "line3", "line4") if address.get(k)],
        postcode=str(address.get("postcode", "")), city=str(address.get("city", "")),
        country=str(address.get("country", "")), email=str(raw.get("email", "")),
        phone=str(raw.get("phone", "")), reminder_rule=str(raw.get("reminder_rule", "")),
        collection_blocked=bool(raw.get("collection_blocked", False)))


def invoice(state: SandboxState, raw: dict[str, Any], where: str) -> Invoice:
    year = int(_req(raw, "year", where))
    amount = _amount(raw, "amount", where)
    return Invoice(
        division=_req(raw, "division", where), customer=_req(raw, "customer", where),
        invoice=_req(raw, "invoice", where), year=year,
        invoice_date=_date(raw, "invoice_date", where), due_date=_date(raw, "due_date", where),
        amount=amount, open_amount=_amount(raw, "open_amount", where) if "open_amount" in raw else amount,
        currency=_req(raw, "currency", where), voucher=state.next_voucher(year),
        payer=str(raw.get("payer", "")), kid=str(raw.get("kid", "")),
        reminder_rule=str(raw.get("reminder_rule", "")),
        collection_code=int(raw.get("collection_code", 0)), reminders=int(raw.get("reminders", 0)),
        last_reminder=_date(raw, "last_reminder", where) if raw.get("last_reminder") else None)


def _req(raw: dict[str, Any], key: str, where: str) -> str:
    if raw.get(key) in (None, ""):
        raise LoadError(f"{where}.{key} is required")
    return str(raw[key])


def _amount(raw: dict[str, Any], key: str, where: str) -> Decimal:
    try:
        value = Decimal(str(_req(raw, key, where)))
    except InvalidOperation:
        raise LoadError(f"{where}.{key} is not a decimal amount") from None
    if not value.is_finite():
        raise LoadError(f"{where}.{key} is not a decimal amount")
    return value


def parse_day(value: Any) -> date:
    if isinstance(value, date):
        return value
    text = str(value).strip()
    return date.fromisoformat(f"{text[:4]}-{text[4:6]}-{text[6:8]}" if len(text) == 8 else text)


def _date(raw: dict[str, Any], key: str, where: str) -> date:
    try:
        return parse_day(_req(raw, key, where))
    except ValueError:
        raise LoadError(f"{where}.{key} is not a date (YYYY-MM-DD)") from None
