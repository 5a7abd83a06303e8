"""Checking `expect` against RESULT.json (SCENARIOS.md "Checking expect").

Records match by their identifying keys and compare only the fields given; `info` compares
exactly; `m3.journal` compares each listed account's net total; a number compares a count.
An invoice expected at reminder stop 0 must be at no partner; one at ≥ 1 in exactly one
partner case, at the `stopped_by` partner.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from workers.scenario.expectations import Expectations


def check(expect: Expectations, result: dict[str, Any]) -> list[dict[str, Any]]:
    checks: list[dict[str, Any]] = []

    def record(key: str, expected: Any, actual: Any, held: bool | None = None) -> None:
        checks.append({"key": key, "expected": _plain(expected), "actual": _plain(actual),
                       "held": bool(_same(expected, actual) if held is None else held)})

    for wanted in expect.m3_invoices or []:
        _check_invoice(wanted, result, record)
    if expect.m3_journal is not None:
        _check_journal(expect, result, record)
    for wanted in expect.partner_cases or []:
        _check_partner_case(wanted, result, record)
    counts = {"m3.statements": len(result["m3"]["statements"]), "dead_letters": len(result["dead_letters"]),
              "rejected": len(result["rejected"])}
    for key, actual in counts.items():
        wanted = expect.given().get(key)
        if wanted is not None:
            record(key, wanted, actual)
    for key in ("skips", "discrepancies"):
        wanted = getattr(expect, key)
        if isinstance(wanted, int):
            record(key, wanted, len(result[key]))
        elif wanted is not None:
            for item in wanted:
                fields = item.model_dump()
                hit = [r for r in result[key] if all(_same(v, r.get(k)) for k, v in fields.items())]
                record(f"{key}[{_label(fields)}]", fields, hit[:1] or None, held=bool(hit))
    return checks


def _check_invoice(wanted, result, record) -> None:
    key = (wanted.division, wanted.invoice, wanted.year)
    label = f"m3.invoices[{'/'.join(map(str, key))}]"
    actual = next((i for i in result["m3"]["invoices"] if (i["division"], i["invoice"], i["year"]) == key), None)
    if actual is None:
        record(label, "present", None, held=False)
        return
    for field, value in wanted.model_dump(exclude_unset=True, exclude={"division", "invoice", "year"}).items():
        record(f"{label}.{field}", value, actual.get(field))
    if wanted.reminder_stop is not None:
        holders = [(pid, c) for pid, book in result["partners"].items() for c in book["cases"]
                   if c.get("reference", "").split("/")[1:] == [wanted.division, wanted.invoice, str(wanted.year)]]
        if wanted.reminder_stop == 0:
            record(f"{label}.partner_cases", 0, len(holders))
        else:
            where = [pid for pid, _ in holders]
            expected = [wanted.stopped_by] if wanted.stopped_by else where[:1] or ["one partner"]
            record(f"{label}.partner_cases", expected, where)


def _check_journal(expect, result, record) -> None:
    nets: dict[str, Decimal] = {}
    for line in result["m3"]["journal"]:
        nets[line["account"]] = nets.get(line["account"], Decimal(0)) + Decimal(line["debit"] or 0) - Decimal(line["credit"] or 0)
    wanted: dict[str, Decimal] = {}
    for line in expect.m3_journal:
        wanted[line.account] = wanted.get(line.account, Decimal(0)) + line.net
    for account, net in wanted.items():
        record(f"m3.journal[{account}].net", net, nets.get(account, Decimal("0.00")))


def _check_partner_case(wanted, result, record) -> None:
    label = f"partner.cases[{wanted.partner}/{wanted.case_no}]"
    cases = [c for c in result["partners"].get(wanted.partner, {}).get("cases", []) if c.get("case_no") == wanted.case_no]
    record(f"{label}.count", 1, len(cases))
    if not cases:
        return
    actual = cases[0]
    for field, value in wanted.model_dump(exclude_unset=True, exclude={"partner", "case_no"}).items():
        got = actual.get(field)
        if field == "close_requests" and isinstance(value, int):
            got = len(got or [])
        record(f"{label}.{field}", value, got)


def _same(expected: Any, actual: Any) -> bool:
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(_same(e, a) for e, a in zip(expected, actual, strict=True))
    if isinstance(expected, dict) and isinstance(actual, dict):
        return set(map(str, expected)) == set(map(str, actual)) and all(
            _same(v, actual.get(k, actual.get(str(k)))) for k, v in expected.items())
    if isinstance(expected, Decimal) or isinstance(actual, Decimal):
        try:
            return Decimal(str(expected)) == Decimal(str(actual))
        except ArithmeticError:
            return False
    if isinstance(expected, date):
        return expected.isoformat() == actual
    return expected == actual or str(expected) == str(actual) if expected is not None else actual is None


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _label(fields: dict[str, Any]) -> str:
    return ",".join(f"{k}={v}" for k, v in fields.items())
