"""``dcs settlements list [--partner P] [--division D] [--json] | show ID [--json]``."""

from __future__ import annotations

import json


def register(groups) -> None:
    parser = groups.add_parser("settlements", help="partner settlements: lines, postings, discrepancies")
    actions = parser.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="settlements per partner and division")
    listing.add_argument("--partner")
    listing.add_argument("--division")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=_list)
    show = actions.add_parser("show", help="one settlement: lines, journal, discrepancies")
    show.add_argument("settlement_id", help="PARTNER/ID, e.g. INTRUM/S-2026-03-11")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=_show)


def _views():
    from workers.cli.cases_cmd import _events
    from workers.projections.settlements import settlements

    return settlements(_events())


def _list(args) -> int:
    from rich.console import Console
    from rich.table import Table

    rows = [v for v in _views().values() if (not args.partner or v.partner == args.partner)
            and (not args.division or v.division == args.division)]
    if args.json:
        print(json.dumps([v.as_dict() for v in rows], indent=2))
        return 0
    table = Table(title=f"{len(rows)} settlement part(s)")
    for column in ("settlement", "partner", "division", "lines", "payout", "posted", "balanced", "discrepancies"):
        table.add_column(column)
    for v in sorted(rows, key=lambda v: (v.settlement_id, v.division)):
        table.add_row(v.settlement_id, v.partner, v.division, str(len(v.lines)), f"{v.payout:.2f}",
                      "yes" if v.posted else "no", "yes" if v.balanced else "NO", str(len(v.discrepancies)))
    Console().print(table)
    return 0


def _show(args) -> int:
    from rich.console import Console
    from rich.table import Table

    from workers.cli.main import UserFacingError

    parts = [v for (sid, _), v in _views().items() if sid == args.settlement_id]
    if not parts:
        raise UserFacingError(f"no settlement {args.settlement_id} in case.events")
    if args.json:
        print(json.dumps([v.as_dict() for v in parts], indent=2))
        return 0
    console = Console()
    for v in parts:
        console.rule(f"{v.settlement_id} · division {v.division} · payout {v.payout:.2f}")
        lines = Table(title="lines")
        for column in ("case", "principal", "payout"):
            lines.add_column(column)
        for line in v.lines:
            lines.add_row(line["case_id"], line["principal"], line["payout"])
        console.print(lines)
        journal = Table(title="journal posted in M3" if v.posted else "not posted yet")
        for column in ("account", "debit", "credit", "case", "text"):
            journal.add_column(column)
        for j in v.journal:
            journal.add_row(j["account"], j["debit"], j["credit"], j["case_id"], j.get("text", ""))
        console.print(journal)
        for d in v.discrepancies:
            console.print(f"[red]discrepancy[/] {d['case_id']}: {d['reason']}")
    return 0
