"""``dcs replay [--as-of TIMESTAMP] [--m3-url URL]``: rebuild every case from case.events alone
into a fresh store and diff it against the case processor's live table (and M3's view); exit 1
on any difference. With ``--as-of``, print the cases and the configuration (from
config.changes) as they stood at that moment instead."""

from __future__ import annotations

from datetime import datetime, timezone


def register(groups) -> None:
    parser = groups.add_parser("replay", help="rebuild cases from case.events and compare with the live state")
    parser.add_argument("--as-of", type=_moment, default=None,
                        help="ISO timestamp (UTC if no offset): print the cases and configuration as of then")
    parser.add_argument("--m3-url", default=None, help="M3 sandbox URL whose /_sandbox/state to compare with")
    parser.set_defaults(handler=_replay)


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _replay(args) -> int:
    import httpx

    from workers.infra.settings import load_settings
    from workers.projections.replay import compare_live, log_events, replay

    settings = load_settings()
    if args.as_of is not None:
        from workers.config_events.store import history
        from workers.projections.replay import configuration_as_of

        config = configuration_as_of(history(settings), args.as_of)
        rebuilt = replay(log_events(settings), args.as_of)
        for case in sorted(rebuilt.values(), key=lambda c: c.case_id):
            print(f"{case.case_id}  {case.state:9} {case.partner or '':7} {case.case_no or '':12} code {case.code}")
        print(f"{len(rebuilt)} cases as of {args.as_of.isoformat()}")
        if config is None:
            print("configuration: none applied yet")
        else:
            for division_id, division in sorted(config.divisions.items()):
                print(f"configuration: division {division_id} -> {division.partner}"
                      + (" (paused)" if division.paused else ""))
        return 0
    m3_state = httpx.get(f"{args.m3_url}/_sandbox/state", timeout=30).json() if args.m3_url else None
    count, differences = compare_live(settings, m3_state)
    for difference in differences:
        print(f"DIFF {difference}")
    print(f"replayed {count} events: {len(differences)} difference(s) against the live table"
          + (" and M3" if m3_state else ""))
    return 1 if differences else 0
