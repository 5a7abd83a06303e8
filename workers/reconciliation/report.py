"""The reconciliation's three outputs: a table for a person, CSV and JSON for a machine.

Money is written with `format(amount, "f")`, the exact decimal string, never through a float
and never rounded for display: a difference of one øre must stay visible. CSV holds one row per
discrepancy (what a spreadsheet or a ticketing import wants); JSON holds the summary as well.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any, TextIO

from rich.console import Console
from rich.table import Table

from workers.reconciliation.model import Discrepancy
from workers.reconciliation.summary import SummaryRow

FIELDS = ("kind", "division", "partner", "case_id", "settlement_id", "currency", "m3_amount", "partner_amount",
          "log_amount", "detail")
MONEY = ("m3_open", "partner_balance", "log_open", "settled", "not_booked")


def money(amount: Decimal | None) -> str:
    return "" if amount is None else format(amount, "f")


def discrepancy_dict(d: Discrepancy) -> dict[str, Any]:
    values = {name: getattr(d, name) for name in FIELDS}
    return {k: money(v) if k.endswith("_amount") and v is not None else v for k, v in values.items()}


def summary_dict(row: SummaryRow) -> dict[str, Any]:
    return {"division": row.division, "partner": row.partner, "currency": row.currency, "active": row.active,
            "closed": row.closed, **{name: money(getattr(row, name)) for name in MONEY},
            "discrepancies": row.discrepancies, "by_kind": dict(sorted(row.kinds.items()))}


def as_json(rows: list[SummaryRow], discrepancies: list[Discrepancy]) -> str:
    return json.dumps({"clean": not discrepancies, "summary": [summary_dict(r) for r in rows],
                       "discrepancies": [discrepancy_dict(d) for d in discrepancies]}, indent=2) + "\n"


def as_csv(discrepancies: list[Discrepancy]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    for d in discrepancies:
        writer.writerow({k: "" if v is None else v for k, v in discrepancy_dict(d).items()})
    return out.getvalue()


def print_table(rows: list[SummaryRow], discrepancies: list[Discrepancy], file: TextIO | None = None) -> None:
    console = Console(file=file)
    if not console.is_terminal:  # a file or a pipe: wide enough that case ids and amounts stay whole
        console = Console(file=file, width=160)
    summary = Table(title="Reconciliation per division and partner: M3, partner and our log")
    for column in ("division", "partner", "currency", "active", "closed", "M3 open", "partner balance",
                   "our open", "settled", "not booked", "discrepancies"):
        summary.add_column(column, justify="right" if column not in ("division", "partner", "currency") else "left")
    for r in rows:
        summary.add_row(r.division, r.partner, r.currency, str(r.active), str(r.closed),
                        *(money(getattr(r, name)) for name in MONEY),
                        f"[red]{r.discrepancies}[/]" if r.discrepancies else "0")
    console.print(summary)
    if not discrepancies:
        cases = sum(r.active + r.closed for r in rows)
        console.print(f"[green]clean[/]: M3, the partners and case.events agree on {cases} case(s)")
        return
    table = Table(title=f"{len(discrepancies)} discrepancy(ies)")
    for column in ("kind", "case / settlement", "partner", "M3", "partner amt", "ours"):
        table.add_column(column, no_wrap=True, justify="right" if column in ("M3", "partner amt", "ours") else "left")
    table.add_column("detail", overflow="fold")
    for d in discrepancies:
        table.add_row(d.kind, d.case_id or d.settlement_id or "", d.partner, money(d.m3_amount),
                      money(d.partner_amount), money(d.log_amount), d.detail)
    console.print(table)
