"""``dcs clock show | set DATE | advance Nd``: the business date of demo and scenario runs."""

from __future__ import annotations

from datetime import date, timedelta


def register(groups) -> None:
    parser = groups.add_parser("clock", help="show or move the business date (demo and scenario runs)")
    actions = parser.add_subparsers(dest="action", required=True)
    actions.add_parser("show", help="print the business date").set_defaults(handler=_show)
    set_ = actions.add_parser("set", help="move the clock to DATE (YYYY-MM-DD); never backwards")
    set_.add_argument("date", type=date.fromisoformat)
    set_.set_defaults(handler=_set)
    advance = actions.add_parser("advance", help="move the clock forward, e.g. 3d")
    advance.add_argument("days")
    advance.set_defaults(handler=_advance)


def _show(_args) -> int:
    from workers.config_events.clock import scripted_date
    from workers.infra.settings import load_settings

    current = scripted_date(load_settings())
    print(current.isoformat() if current else "no scripted clock: the business date is today (Europe/Oslo)")
    return 0


def _move(target) -> int:
    from workers.cli.main import UserFacingError
    from workers.config_events.clock import ClockError, set_business_date
    from workers.infra.settings import load_settings

    try:
        print(set_business_date(load_settings(), target).isoformat())
    except ClockError as error:
        raise UserFacingError(str(error), exit_code=2) from error
    return 0


def _set(args) -> int:
    return _move(args.date)


def _advance(args) -> int:
    from workers.cli.main import UserFacingError
    from workers.config_events.clock import ClockError, business_date, parse_days
    from workers.infra.settings import load_settings

    try:
        days = parse_days(args.days)
    except ClockError as error:
        raise UserFacingError(str(error), exit_code=2) from error
    return _move(business_date(load_settings()) + timedelta(days=days))
