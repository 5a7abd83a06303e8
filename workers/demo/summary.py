"""The demo's closing summary: cases, M3 updates, skips, deferrals and money, per partner and division."""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.table import Table

from workers.projections.case_summary import summaries


def render(console: Console, events: list[dict[str, Any]], m3: dict[str, Any], partners: dict[str, Any]) -> None:
    cases = summaries(events)
    handed = [c for c in cases.values() if c.partner]
    table = Table(title="Cases per partner, division and status")
    for column in ("partner", "division", "status", "cases"):
        table.add_column(column)
    for (partner, division, status), count in sorted(Counter((c.partner, c.division, c.status or c.state)
                                                             for c in handed).items()):
        table.add_row(partner, division, status, str(count))
    console.print(table)

    skips = Counter(c.skip_rule for c in cases.values() if c.state == "skipped")
    skip_table = Table(title="Skipped invoices by reason")
    skip_table.add_column("rule")
    skip_table.add_column("invoices")
    for rule, count in skips.most_common():
        skip_table.add_row(rule, str(count))
    console.print(skip_table)

    deferred_ids = {e["case_id"] for e in events if e["type"] == "case.invoice_deferred"}
    opened_later = sum(1 for c in deferred_ids if cases[c].partner)
    still = sum(1 for c in deferred_ids if cases[c].state == "deferred")
    console.print(f"Deferred: {len(deferred_ids)} invoices; {opened_later} opened later in the month, {still} still waiting")

    stops = Counter(i["reminder_stop"] for i in m3["invoices"] if i["reminder_stop"])
    info = Counter(cat for i in m3["invoices"] for cat in i["info"])
    console.print("M3 updates: reminder stops " + ", ".join(f"{code}×{n}" for code, n in sorted(stops.items()))
                  + "; case info " + ", ".join(f"{cat}×{n}" for cat, n in sorted(info.items())))

    money = Table(title="Money per partner and division (NOK)")
    for column in ("partner", "division", "forwarded payments", "forwarded credits", "settled principal",
                   "statements", "journal balanced"):
        money.add_column(column)
    forwarded: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for e in events:
        if e["type"] == "case.payment_forwarded":
            c = cases[e["case_id"]]
            forwarded[(c.partner, c.division)][0 if e["payload"]["kind"] == "payment" else 1] += Decimal(e["payload"]["amount"])
    settled: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for c in handed:
        settled[(c.partner, c.division)] += c.settled_principal
    journal_net: dict[str, Decimal] = defaultdict(Decimal)
    for line in m3["journal"]:
        journal_net[line["settlement"]] += Decimal(line["debit"]) - Decimal(line["credit"])
    statements = Counter(s["division"] for s in m3["statements"])
    balanced = all(net == 0 for net in journal_net.values())
    for key in sorted(set(forwarded) | set(settled)):
        partner, division = key
        money.add_row(partner, division, f"{forwarded[key][0]:.2f}", f"{forwarded[key][1]:.2f}",
                      f"{settled[key]:.2f}", str(statements.get(division, 0)), "yes" if balanced else "NO")
    console.print(money)
    held = sum(len(book["cases"]) for book in partners["partners"].values())
    console.print(f"Partners hold {held} cases; {len(journal_net)} settlement statements booked, "
                  f"every journal balanced: {'yes' if balanced else 'NO'}")
