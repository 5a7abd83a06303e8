"""``dcs cases list [--partner P] [--division D] [--status S] | show CASE``: from `case.events`."""

from __future__ import annotations

import json


def register(groups) -> None:
    parser = groups.add_parser("cases", help="list cases or show one case's history (from case.events)")
    actions = parser.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="cases as a table")
    listing.add_argument("--partner")
    listing.add_argument("--division")
    listing.add_argument("--status", help="partner status, a state (active, deferred, skipped, rejected, closed) or awaiting_settlement")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=_list)
    show = actions.add_parser("show", help="one case's full history")
    show.add_argument("case_id", help="{company}/{division}/{invoice}/{year}")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=_show)


def _events():
    from workers.infra.settings import load_settings
    from workers.projections.replay import log_events

    return log_events(load_settings())


def _list(args) -> int:
    from rich.console import Console
    from rich.table import Table

    from workers.projections.case_summary import summaries

    rows = [s for s in summaries(_events()).values()
            if (not args.partner or s.partner == args.partner) and (not args.division or s.division == args.division)
            and (not args.status or args.status in (s.status, s.state)
                 or (args.status == "awaiting_settlement" and s.awaiting_settlement))]
    if args.json:
        print(json.dumps([{**s.__dict__, "division": s.division, "awaiting_settlement": s.awaiting_settlement}
                          for s in rows], default=str, indent=2))
        return 0
    table = Table(title=f"{len(rows)} case(s)")
    for column in ("case", "state", "partner", "case no", "status", "M3 stop", "amount", "open", "forwarded", "note"):
        table.add_column(column)
    for s in sorted(rows, key=lambda s: s.case_id):
        note = ("awaiting settlement" if s.awaiting_settlement else
                s.skip_rule or s.deferred_rule or ("; ".join(s.problems)[:40] if s.problems else ""))
        table.add_row(s.case_id, s.state, s.partner or "", s.case_no or "", s.status or "", str(s.code),
                      f"{s.amount:.2f}" if s.amount is not None else "",
                      f"{s.open_amount:.2f}" if s.open_amount is not None else "", f"{s.forwarded:.2f}", note)
    Console().print(table)
    return 0


def _show(args) -> int:
    from rich.console import Console
    from rich.table import Table

    from workers.cli.main import UserFacingError

    events = [e for e in _events() if e["case_id"] == args.case_id]
    if not events:
        raise UserFacingError(f"no events for case {args.case_id}")
    if args.json:
        print(json.dumps(events, indent=2))
        return 0
    table = Table(title=args.case_id)
    for column in ("when (UTC)", "event", "details"):
        table.add_column(column, overflow="fold")
    for event in events:
        table.add_row(event["occurred_at"][:19], event["type"].removeprefix("case."),
                      ", ".join(f"{k}={v}" for k, v in event["payload"].items() if v not in (None, [], {})))
    Console(width=160).print(table)
    return 0
