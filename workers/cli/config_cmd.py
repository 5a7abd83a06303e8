"""``dcs config apply FILE [--actor NAME] | show | history``: configuration as events."""

from __future__ import annotations

import getpass
import json
import os
from pathlib import Path


def register(groups) -> None:
    parser = groups.add_parser("config", help="apply, show and audit the configuration")
    actions = parser.add_subparsers(dest="action", required=True)
    apply = actions.add_parser("apply", help="validate FILE and publish what changed")
    apply.add_argument("file", type=Path)
    apply.add_argument("--actor", default=None, help="who makes the change (default: $DCS_ACTOR or the login)")
    apply.set_defaults(handler=_apply)
    show = actions.add_parser("show", help="print the live configuration")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=_show)
    actions.add_parser("history", help="every change: who, when, before, after").set_defaults(handler=_history)


def _actor(explicit: str | None) -> str:
    return explicit or os.environ.get("DCS_ACTOR") or getpass.getuser()


def _apply(args) -> int:
    import yaml

    from workers.cli.main import UserFacingError
    from workers.config_events.store import apply_configuration
    from workers.domain.configuration import ConfigurationError
    from workers.infra.settings import load_settings

    try:
        data = yaml.safe_load(args.file.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise UserFacingError(f"{args.file}: {error}", exit_code=2) from error
    if not isinstance(data, dict):
        raise UserFacingError(f"{args.file}: expected a mapping of configuration keys", exit_code=2)
    data = data.get("config", data) if set(data) >= {"config", "steps"} else data
    try:
        changes = apply_configuration(load_settings(), data, _actor(args.actor))
    except ConfigurationError as error:
        raise UserFacingError(f"{args.file}: {error}\nnothing was changed", exit_code=2) from error
    for change in changes:
        verb = "added" if change.before is None else "removed" if change.after is None else "changed"
        print(f"{verb:8} {change.kind}/{change.entity_id}")
    print(f"{len(changes)} change(s) applied" if changes else "no changes: the live configuration already matches")
    return 0


def _show(args) -> int:
    from workers.config_events.store import current_configuration
    from workers.infra.settings import load_settings

    configuration = current_configuration(load_settings())
    if configuration is None:
        print("no configuration applied yet (dcs config apply FILE)")
        return 1
    data = configuration.model_dump(mode="json")
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        import yaml

        print(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), end="")
    return 0


def _history(_args) -> int:
    from rich.console import Console
    from rich.table import Table

    from workers.config_events.store import history
    from workers.infra.settings import load_settings

    table = Table(title="configuration changes")
    for column in ("when (UTC)", "who", "entity", "before", "after"):
        table.add_column(column, overflow="fold")
    for change in history(load_settings()):
        table.add_row(change.at.strftime("%Y-%m-%d %H:%M:%S"), change.actor, f"{change.kind}/{change.entity_id}",
                      json.dumps(change.before) if change.before is not None else "—",
                      json.dumps(change.after) if change.after is not None else "(removed)")
    Console(width=200).print(table)
    return 0
